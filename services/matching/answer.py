"""A use case's answer as the routes serve it: the model just computed, or the JSON bytes a cache held.

A cached answer is served as the bytes the cache holds: validating it against its model again would cost a
cached list more than serving it (``bench.api_load`` measures it; the README has the figures). The model is
serialized once, when it is cached, and parsed back only when an in-process caller reads it.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)


class Answer(Generic[ModelT]):
    """What a use case returns: ``model`` to read it, ``json()`` to serve it, ``cached`` where it came from."""

    __slots__ = ("_json", "_model", "_type", "cached")

    def __init__(self, model_type: type[ModelT], *, model: ModelT | None = None, json: bytes | None = None,
                 cached: bool) -> None:
        if (model is None) == (json is None):
            raise ValueError("an answer holds either its model or its JSON")
        self._type, self._model, self._json, self.cached = model_type, model, json, cached

    @classmethod
    def computed(cls, model: ModelT) -> Answer[ModelT]:
        return cls(type(model), model=model, cached=False)

    @classmethod
    def from_cache(cls, model_type: type[ModelT], json: bytes) -> Answer[ModelT]:
        return cls(model_type, json=json, cached=True)

    @property
    def model(self) -> ModelT:
        """The typed answer (a cached one is parsed, and validated, on first read)."""
        if self._model is None:
            assert self._json is not None
            self._model = self._type.model_validate_json(self._json)
        return self._model

    def json(self) -> bytes:
        """The answer as served (a cached one exactly as the cache holds it)."""
        if self._json is None:
            assert self._model is not None
            self._json = self._model.__pydantic_serializer__.to_json(self._model)
        return self._json


def cached_json(model: BaseModel) -> bytes:
    """``model`` as a cache serves it: the same JSON, saying it was cached (every answer has ``cached``)."""
    copy = model.model_copy(update={"cached": True})
    return copy.__pydantic_serializer__.to_json(copy)
