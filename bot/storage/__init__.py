"""SQLite storage: the connection, numbered migrations, field encryption and one repository per aggregate."""
