"""The plugin process: Kodi runs default.py -> routes.run for every plugin:// URL. The route
table (routes.py) and the route modules: menu (the root list), actions (play, remove,
watched), account (sign-in, sign-out). Nothing here is imported by the service
(tests/test_import_graph.py); what both share sits beside these folders.
"""
