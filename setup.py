"""The only thing pyproject.toml cannot say: `locales/`, `examples/` and `docs/` stay at the top
of the repository, and ship inside the package as `bot.locales`, `bot.examples` and `bot.docs`
(the same mapping serves the wheel and an editable install, so the code reads them through the
package either way).
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bot", "bot.*"]), "bot.locales", "bot.examples", "bot.docs"],
    package_dir={"bot.locales": "locales", "bot.examples": "examples", "bot.docs": "docs"},
)
