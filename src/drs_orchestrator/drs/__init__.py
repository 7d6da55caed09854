"""The only code that talks to AWS: DRS clients and the calls made through them."""
