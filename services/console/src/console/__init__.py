"""The council staff's console: server-rendered pages over the five services' public APIs, no database."""
