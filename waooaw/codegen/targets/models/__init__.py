"""Target: pydantic v2 models (``models.py``)."""

from __future__ import annotations

from ...ir import Api
from ...naming import MODELS_IMPORTS
from ...render import environment, header

__all__ = ["render_models"]


def render_models(api: Api) -> dict[str, str]:
    template = environment().get_template("models/models.py.jinja")
    text = template.render(api=api, header=header(api.source, api.sha256), imports=MODELS_IMPORTS)
    return {"models.py": text}
