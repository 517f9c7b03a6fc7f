"""The JSON-RPC side of `domlint lsp`: pygls 2's protocol, made to keep the LSP rules it does not.

pygls drops a request whose params do not match the method's type, and every request after
`shutdown`, without an answer, so the client waits for ever; it ends the process with 0 on an
`exit` without `shutdown` (the protocol says 1); and it keeps the future of every notification
it handles, so a long session grows without bound. Each is mended here, where pygls decides it.
The position encoding is ours too (`lsp_text.choose_encoding`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from cattrs.errors import ClassValidationError
from cattrs.v import transform_error
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import RPCRequest

from .lsp_text import choose_encoding


class Rejected(NamedTuple):
    """A request that cannot be handled, and the error it is answered with."""

    id: int | str
    method: str
    error: JsonRpcException


class Protocol(LanguageServerProtocol):
    """pygls' protocol, answering every request and letting finished handlers go."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        """A request whose params do not fit its method becomes a `Rejected` (pygls raises: no answer)."""
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "id" not in data or not isinstance(data.get("method"), str):
                raise  # a notification or a response: nobody waits for an answer
            cause = error.__cause__
            if isinstance(cause, ClassValidationError):
                error = type(error)(message=f"{error.message}: {'; '.join(transform_error(cause, path='$'))}")
            return Rejected(data["id"], data["method"], error)

    def handle_message(self, message: Any) -> None:
        """Rejected requests, and requests after `shutdown` (InvalidRequest), are answered with an error."""
        if isinstance(message, Rejected):
            self._send_response(message.id, error=message.error.to_response_error())
        elif self._shutdown and isinstance(message, RPCRequest) and message.method != lsp.EXIT:
            error = JsonRpcInvalidRequest(message=f"the server is shut down: {message.method}")
            self._send_response(message.id, error=error.to_response_error())
        else:
            super().handle_message(message)

    @property
    def exit_code(self) -> int:
        """What the process ends with: 0 after `shutdown`, else 1 (the client did not ask to stop)."""
        return 0 if self._shutdown else 1

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any, args: Any = None, kwargs: Any = None) -> None:
        """As pygls, but the future pygls files for a handler is let go when it is done (pygls only does for requests)."""
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(lambda done: self._forget(msg_id, done))

    def _forget(self, msg_id: Any, future: Any) -> None:
        if self._request_futures.get(msg_id) is future:
            del self._request_futures[msg_id]

    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(self, params: lsp.InitializeParams):  # type: ignore[override]
        chosen = choose_encoding(params.capabilities)
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = [chosen]
        self._server.encoding = chosen  # type: ignore[attr-defined]
        return (yield from super().lsp_initialize(params))
