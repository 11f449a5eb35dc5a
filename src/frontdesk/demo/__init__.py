"""`frontdesk demo`: a seeded workspace and a simulated bridge, so a newcomer sees Frontdesk
alive within a minute of installing it (README, "Try the demo").

`script` says what the workspace holds, `seed` creates it through the services, `media` and
`video` make its files in code, `bridge` is the simulated Chatterbox bridge, and `runner`
runs it beside the server.
"""
