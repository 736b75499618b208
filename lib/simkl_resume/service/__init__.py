"""The service process: started once by Kodi (service.py -> wiring.run) and running until
abort. The loop (loop.py), the Component contract (component.py), the components it
runs (pull, push + sender, resume_list, mirror, prompt) and their workers (worker.py).
Nothing here is imported by the plugin process (tests/test_import_graph.py).
"""
