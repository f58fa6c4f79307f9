"""An independent gRPC echo server for the interop test: python grpcio (gRPC's C core, its own
HTTP/2 and HPACK), commbench.echo.v1.Echo/Unary answering each request's bytes unchanged.
A request whose bytes contain b'please-fail' is answered with RESOURCE_EXHAUSTED instead.
Prints its port, serves until stdin closes. Debian: apt-get install python3-grpcio."""
import sys
from concurrent import futures

import grpc


def unary(request, context):
    if b"please-fail" in request:
        context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "no room: 100% full ✓")
    return request


def main():
    handler = grpc.method_handlers_generic_handler(
        "commbench.echo.v1.Echo", {"Unary": grpc.unary_unary_rpc_method_handler(unary)}
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    sys.stdin.read()
    server.stop(0)


main()
