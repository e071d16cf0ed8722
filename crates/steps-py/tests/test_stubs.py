"""The package: the type stubs (python/steps_cloud/__init__.pyi, with
py.typed) name what the module has, and the module what they name; the
package re-exports everything of the native module."""

import ast
import inspect
import os

import steps_cloud

PACKAGE = os.path.dirname(steps_cloud.__file__)


def stub_tree():
    with open(os.path.join(PACKAGE, "__init__.pyi"), encoding="utf-8") as f:
        return ast.parse(f.read())


def test_the_package_is_typed():
    assert os.path.exists(os.path.join(PACKAGE, "py.typed"))
    assert os.path.exists(os.path.join(PACKAGE, "__init__.pyi"))


def test_the_package_re_exports_the_native_module():
    native = steps_cloud.steps_cloud
    assert steps_cloud.__all__ == native.__all__
    assert "__build__" in native.__all__ and "CloudError" in native.__all__
    for name in native.__all__:
        assert getattr(steps_cloud, name) is getattr(native, name), name
    assert steps_cloud.__build__ in ("debug", "release") and steps_cloud.__version__
    assert steps_cloud.__doc__


def test_stub_exceptions_have_the_module_s_bases():
    for node in stub_tree().body:
        if isinstance(node, ast.ClassDef) and issubclass(getattr(steps_cloud, node.name), BaseException):
            bases = [base.__name__ for base in getattr(steps_cloud, node.name).__bases__]
            assert [ast.unparse(base) for base in node.bases] == bases, node.name


def test_stubs_and_module_name_the_same_things():
    tree = stub_tree()
    stub_classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    public = {
        name
        for name, value in vars(steps_cloud).items()
        if not name.startswith("_") and inspect.isclass(value)
    }
    assert set(stub_classes) == public
    for name, node in stub_classes.items():
        in_stub = {
            item.name if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) else item.target.id
            for item in node.body
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            or (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name))
        }
        # An enum's members: `Job = 1`.
        in_stub |= {
            target.id
            for item in node.body
            if isinstance(item, ast.Assign)
            for target in item.targets
            if isinstance(target, ast.Name)
        }
        cls = getattr(steps_cloud, name)
        missing = {attr for attr in in_stub if not attr.startswith("__") and not hasattr(cls, attr)}
        if issubclass(cls, BaseException):
            missing -= {"status", "message", "request_id", "retry_after", "kind", "operation"} - set(dir(cls))
        assert not missing, f"{name}: the stub names {missing}, which the class lacks"
        own = {
            attr
            for attr, value in vars(cls).items()
            if not attr.startswith("_") and not (inspect.isclass(value) and issubclass(value, cls))
        }
        if not issubclass(cls, BaseException):
            assert own <= in_stub, f"{name}: {own - in_stub} missing from the stub"


def test_stub_signatures_match_the_module():
    tree = stub_tree()
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name in {"TokenType"}:
            continue
        cls = getattr(steps_cloud, node.name)
        if issubclass(cls, BaseException):
            continue
        for item in node.body:
            if not isinstance(item, ast.FunctionDef) or item.name.startswith("__") and item.name != "__init__":
                continue
            if any(isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list):
                continue
            stub_params = [a.arg for a in item.args.args if a.arg not in ("self", "cls")]
            stub_params += [a.arg for a in item.args.kwonlyargs]
            target = cls if item.name == "__init__" else getattr(cls, item.name)
            actual = [
                p.name
                for p in inspect.signature(target).parameters.values()
                if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name not in ("self", "cls")
            ]
            assert stub_params == actual, f"{node.name}.{item.name}: stub {stub_params}, module {actual}"


def test_stub_functions_match_the_module():
    tree = stub_tree()
    stub_functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    public = {
        name
        for name, value in vars(steps_cloud).items()
        if not name.startswith("_") and callable(value) and not inspect.isclass(value)
    }
    assert set(stub_functions) == public
    for name, node in stub_functions.items():
        stub_params = [a.arg for a in node.args.args] + [a.arg for a in node.args.kwonlyargs]
        actual = list(inspect.signature(getattr(steps_cloud, name)).parameters)
        assert stub_params == actual, f"{name}: stub {stub_params}, module {actual}"
