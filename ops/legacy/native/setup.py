import os
import sysconfig

from setuptools import Extension, setup

# The snapshot reader links the system SQLite (the one Python's sqlite3 module uses). Without
# its header the module is built without the reader and the import reads through sqlite3.
_HEADER_DIRS = ["/usr/include", "/usr/local/include", sysconfig.get_config_var("INCLUDEDIR") or ""]
_HAVE_SQLITE = any(os.path.exists(os.path.join(d, "sqlite3.h")) for d in _HEADER_DIRS if d)

setup(
    ext_modules=[
        Extension(
            "mingus_rowcodec",
            ["mingus_rowcodec.c", "mingus_json.c"],
            depends=["mingus_json.h"],
            libraries=["sqlite3"] if _HAVE_SQLITE else [],
            define_macros=[] if _HAVE_SQLITE else [("MINGUS_NO_SQLITE", "1")],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
        )
    ],
    py_modules=[],
)
