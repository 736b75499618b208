"""Check that a fake module only offers what Kodistubs offers, with compatible parameters."""
import inspect
import types


def _params(fn):
    sig = inspect.signature(fn)
    return [p for p in sig.parameters.values() if p.name != "self"]


def compare_callables(fake, stub, where):
    """Problems (strings) if `fake` cannot stand in for `stub`: positional parameter names and
    order must be the same; where the stub has a default the fake needs one too."""
    problems = []
    try:
        fp, sp = _params(fake), _params(stub)
    except (TypeError, ValueError):
        return problems
    fnames = [p.name for p in fp if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    snames = [p.name for p in sp if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if fnames != snames:
        problems.append("%s: parameters %s, Kodistubs has %s" % (where, fnames, snames))
        return problems
    for f, s in zip(fp, sp):
        if s.default is not inspect.Parameter.empty and f.default is inspect.Parameter.empty:
            problems.append("%s: parameter %r needs a default (Kodistubs: %r)" % (where, s.name, s.default))
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in fp):
        problems.append("%s: *args/**kwargs hide mismatches" % where)
    return problems


def check_module(fake, stub):
    """Every public name of module `fake` must exist in module `stub`; functions, classes and
    their public methods must have compatible parameters. Returns a list of problems."""
    problems = []
    for name, obj in sorted(vars(fake).items()):
        if name.startswith("_"):
            continue
        where = "%s.%s" % (stub.__name__.replace("_kodistubs_", ""), name)
        if isinstance(obj, types.ModuleType):
            problems.append("%s: public module import in the fake (import it as _name)" % where)
            continue
        if not hasattr(stub, name):
            problems.append("%s: not in Kodistubs" % where)
            continue
        sobj = getattr(stub, name)
        if inspect.isclass(obj):
            if not inspect.isclass(sobj):
                problems.append("%s: a class in the fake, not in Kodistubs" % where)
                continue
            problems.extend(check_class(obj, sobj, where))
        elif callable(obj):
            problems.extend(compare_callables(obj, sobj, where))
    return problems


def check_class(fake_cls, stub_cls, where):
    problems = []
    if "__init__" in vars(fake_cls):
        problems.extend(compare_callables(fake_cls.__init__, stub_cls.__init__, where + ".__init__"))
    for name in dir(fake_cls):
        if name.startswith("_"):
            continue
        attr = getattr(fake_cls, name)
        mwhere = "%s.%s" % (where, name)
        if not hasattr(stub_cls, name):
            problems.append("%s: not in Kodistubs" % mwhere)
            continue
        if callable(attr):
            problems.extend(compare_callables(attr, getattr(stub_cls, name), mwhere))
    return problems
