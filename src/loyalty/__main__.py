from loyalty.cli import app

app()
