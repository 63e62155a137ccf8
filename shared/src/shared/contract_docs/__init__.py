"""The contracts on paper: the AsyncAPI document, each event's JSON Schema and each service's OpenAPI
document, generated from the code by ``homecare contracts write`` into ``docs/``."""
