"""HTTP to Simkl: the only package that imports requests.

Import `simkl_resume.simkl.client` explicitly where a request is made; this package's
`__init__` and `config` do not import requests, so the plugin's menu path stays cheap.
"""
