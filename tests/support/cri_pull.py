"""Pull an image through containerd's CRI plugin, the way the kubelet does (TEST HELPER).

``python -m tests.support.cri_pull <containerd socket> <image>`` calls
``runtime.v1.ImageService/PullImage`` over gRPC and prints the image id on success; on
failure it prints the gRPC status and exits 1. The two tiny protobuf messages are encoded
by hand (``PullImageRequest{image: ImageSpec{image}}``, field numbers from the CRI API
``api.proto``), so no CRI client (crictl, which Debian does not package) is needed;
grpcio comes with the Pulumi SDK.
"""

from __future__ import annotations

import sys

import grpc

PULL_IMAGE = "/runtime.v1.ImageService/PullImage"


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _first_string(message: bytes) -> str:
    """Field 1 of a message whose first field is a string (``PullImageResponse.image_ref``)."""
    if not message or message[0] != (1 << 3 | 2):
        return ""
    length, shift, index = 0, 0, 1
    while True:
        byte = message[index]
        length |= (byte & 0x7F) << shift
        index += 1
        if not byte & 0x80:
            break
        shift += 7
    return message[index : index + length].decode()


def pull(socket: str, image: str, timeout: float = 120) -> str:
    """Pull ``image`` through the CRI plugin listening on ``socket``; returns the image id."""
    request = _field(1, _field(1, image.encode()))
    with grpc.insecure_channel(f"unix://{socket}") as channel:
        call = channel.unary_unary(PULL_IMAGE, request_serializer=bytes, response_deserializer=bytes)
        return _first_string(call(request, timeout=timeout))


def main(argv: list[str]) -> int:
    """CLI: pull ``argv[2]`` through the socket ``argv[1]``."""
    try:
        print(pull(argv[1], argv[2]))
    except grpc.RpcError as error:
        print(f"CRI PullImage failed: {error.code().name}: {error.details()}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
