"""The local web page of `toonmoji serve`: a FastAPI server and plain HTML/CSS/JS (no CDN, no build).

Modules: settings (what the server was started with), uploads (limits, type checks by decoding),
analysis (photo -> faces, emotions, emoji as JSON), jobs (long work with progress and cancel),
live (camera frames over a WebSocket), app (the HTTP API and the page), server (uvicorn on a
socket), cli (`toonmoji serve`). Only app, server and cli import FastAPI (the `[web]` extra).
"""
