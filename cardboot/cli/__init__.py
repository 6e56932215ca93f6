"""Command-line face: parse options, call the domain, render results. No domain logic here."""
