"""The web app for job seekers, enterprises and operators: accounts, sessions and server-rendered pages
that call the other services' public APIs with the user's own token."""
