"""The shape of lib/simkl_resume: no import circles, and each process's code in its folder.

The import graph is read with `ast` (no addon module is imported): every `import x` and
`from . import x` anywhere in a module counts, INCLUDING imports inside functions. A lazy
import only postpones the circle to the first call (half-initialised modules, an
ImportError or a missing name at run time, and a newcomer who cannot tell which module comes
first), so it is a circle all the same. Imports under `if TYPE_CHECKING:` count too.
Not seen: `importlib.import_module(...)` with a computed name (the plugin's route table);
those targets must not import the router back (tested below by name).

Edges: `from .a import b` -> the module `a`, or `a.b` when that is a module (a submodule
import); `from . import x` -> the submodule `x`, else the package's `__init__`. Importing a
submodule does not add an edge to its parent package's `__init__` (Python runs it first, but
a circle through it needs an import statement in the `__init__`, which this graph sees).
"""
import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "lib"
PACKAGE = "simkl_resume"
SKIP_DIRS = {"_vendor", "__pycache__"}  # _vendor: third-party code the zip build adds


def module_files(lib, package):
    """{dotted module name: path} of every .py file of `package` under `lib`."""
    out = {}
    for path in sorted((lib / package).rglob("*.py")):
        rel = path.relative_to(lib)
        if SKIP_DIRS.intersection(rel.parts):
            continue
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        out[".".join(parts)] = (path, is_package)
    return out


def _resolve(name, modules):
    """`name` if it is one of `modules`, else its longest dotted prefix that is, else None."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(lib=LIB, package=PACKAGE):
    """{module: {imported module of the same package, ...}} from the source text only."""
    modules = module_files(lib, package)
    graph = {}
    for name, (path, is_package) in modules.items():
        edges = set()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        here = name if is_package else name.rpartition(".")[0]  # the package `.` refers to
        for node in ast.walk(tree):  # walk: function-level (lazy) imports count as well
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    base = ".".join(base + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                targets = []
                for alias in node.names:
                    sub = base + "." + alias.name
                    targets.append(sub if sub in modules else base)
            else:
                continue
            for target in targets:
                resolved = _resolve(target, modules)
                if resolved is not None and resolved != name:
                    edges.add(resolved)
                elif resolved == name:
                    edges.add(name)  # a module importing itself is a circle too
        graph[name] = edges
    return graph


def circular_groups(graph):
    """The strongly connected components (Tarjan) that hold a circle, each sorted."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v):
        # iterative Tarjan: no recursion limit however deep the graph gets
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return sorted(c for c in components if len(c) > 1 or c[0] in graph.get(c[0], ()))


def find_cycles(graph):
    """Every import circle, each as [a, b, ..., a]: one per circular group, the shortest path
    from the group's first module back to it."""
    cycles = []
    for component in circular_groups(graph):
        members = set(component)
        start = component[0]
        # breadth-first from `start` inside the component, back to `start`
        previous = {start: None}
        queue = [start]
        end = None
        while queue and end is None:
            node = queue.pop(0)
            for child in sorted(graph[node]):
                if child == start:
                    end = node
                    break
                if child in members and child not in previous:
                    previous[child] = node
                    queue.append(child)
        path = []
        while end is not None:
            path.append(end)
            end = previous[end]
        path.reverse()  # start ... end, then back to start
        cycles.append(path + [start])
    return cycles


def describe(graph):
    lines = []
    for cycle, group in zip(find_cycles(graph), circular_groups(graph)):
        lines.append("  " + " -> ".join(cycle))
        if len(group) > len(cycle) - 1:
            lines.append("    (one of the circles among: %s)" % ", ".join(group))
    return "\n".join(lines)


def test_lib_has_no_import_circles():
    graph = import_graph()
    assert len(graph) > 40, "the graph should see every module of lib/simkl_resume"
    if find_cycles(graph):
        pytest.fail("import circles in lib/simkl_resume (function-level imports count):\n" + describe(graph))


def _write(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_lazy_relative_import_back_is_named_as_a_circle(tmp_path):
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/service/__init__.py": "",
        "pkg/service/loop.py": "def run():\n    from .wiring import build\n    build()\n",
        "pkg/service/wiring.py": "from . import pull\n",
        "pkg/service/pull.py": "from .loop import run\n",
        "pkg/shared.py": "from .service import pull as _p\n",  # into the circle, not part of it
    })
    cycles = find_cycles(import_graph(tmp_path, "pkg"))
    assert cycles == [["pkg.service.loop", "pkg.service.wiring", "pkg.service.pull", "pkg.service.loop"]]


def test_from_package_import_name_points_at_the_package_init(tmp_path):
    _write(tmp_path, {
        "pkg/__init__.py": "from .a import thing\nNAME = 1\n",
        "pkg/a.py": "from . import NAME\nthing = NAME\n",
        "pkg/b.py": "from . import a\nimport pkg.a\n",
    })
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.b"] == {"pkg.a"}
    assert graph["pkg.a"] == {"pkg"}
    assert find_cycles(graph) == [["pkg", "pkg.a", "pkg"]]


@pytest.mark.parametrize("text", ["import pkg.a\n", "from pkg import a\n", "from pkg.a import x\n"])
def test_absolute_imports_of_the_package_count(tmp_path, text):
    _write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "from . import b\n", "pkg/b.py": text})
    assert find_cycles(import_graph(tmp_path, "pkg")) == [["pkg.a", "pkg.b", "pkg.a"]]


def _process(module):
    """"service" or "plugin" for a module of that process's folder, else None (shared)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("service", "plugin") else None


def test_the_tree_tells_which_process_runs_a_module():
    """service/ is the service's, plugin/ the plugin's: neither imports the other, and what
    both use (context, resume_cache, resume_points, core/, kodi/, store/, simkl/) imports
    neither, or a module would run in a process its folder does not name."""
    graph = import_graph()
    crossing = sorted("%s -> %s" % (a, b) for a, targets in graph.items() for b in targets
                      if _process(b) and _process(a) != _process(b))
    assert crossing == []


def _reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for child in graph.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def test_route_modules_exist_and_never_import_the_router():
    """plugin/routes.py imports its route modules by name (importlib): the graph cannot see
    those edges, so each route module is checked here: it exists, and it does not lead back."""
    router = "%s.plugin.routes" % PACKAGE
    tree = ast.parse((LIB / PACKAGE / "plugin" / "routes.py").read_text(encoding="utf-8"))
    routes = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                  and any(getattr(t, "id", None) == "ROUTES" for t in node.targets))
    graph = import_graph()
    for module_name, _function in routes.values():
        module = "%s.plugin.%s" % (PACKAGE, module_name)
        assert module in graph
        assert router not in _reachable(graph, module), module
