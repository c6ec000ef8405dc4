from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "mingus_rowcodec",
            ["mingus_rowcodec.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
        )
    ],
    py_modules=[],
)
