"""EfficientNet-Lite0 rebuilt for inference, with each batch norm folded into its conv.

The efficientnet_lite_pytorch model pads every convolution in a separate layer
(TensorFlow "same" padding, fixed for a 224 x 224 input when the model is built)
and runs batch norm as separate layers. This copy has fewer layers: batch-norm
scale and shift are folded into the preceding convolution's weights and bias,
stride-1 convolutions pad inside the convolution, and only the stride-2 ones
keep the asymmetric TensorFlow padding, computed for the actual input size.
On 224 x 224 inputs, outputs match the original within 1e-5. On other sizes the
original keeps the padding of 224, which differs where a stride-2 layer's input
side is odd.

Imported only when the network is built, so torch stays off the app's start-up path.
"""

from __future__ import annotations

import torch
import torch.nn.functional as functional
from torch import nn


class TensorflowSamePadding(nn.Module):
    """Pad like TensorFlow's "same" for a stride-2 convolution.

    When the padding is odd, the extra row and column go below and on the right.
    """

    def __init__(self, kernel_size: int, stride: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        height, width = inputs.shape[-2:]
        pad_height = self._total_padding(height)
        pad_width = self._total_padding(width)
        return functional.pad(
            inputs,
            [
                pad_width // 2,
                pad_width - pad_width // 2,
                pad_height // 2,
                pad_height - pad_height // 2,
            ],
        )

    def _total_padding(self, size: int) -> int:
        output_size = -(-size // self.stride)
        needed = (output_size - 1) * self.stride + self.kernel_size - size
        return max(needed, 0)


def fold_batch_norm(conv: nn.Conv2d, norm: nn.BatchNorm2d) -> nn.Conv2d:
    """Return one convolution equal to `conv` followed by `norm` in eval mode."""
    kernel_size = conv.kernel_size[0]
    stride = conv.stride[0]
    folded = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        kernel_size,
        stride,
        padding=(kernel_size - 1) // 2 if stride == 1 else 0,
        groups=conv.groups,
        bias=True,
    )
    scale = norm.weight.detach() / torch.sqrt(norm.running_var + norm.eps)
    bias = norm.bias.detach() - norm.running_mean * scale
    if conv.bias is not None:
        bias = bias + conv.bias.detach() * scale
    with torch.no_grad():
        folded.weight.copy_(conv.weight.detach() * scale.reshape(-1, 1, 1, 1))
        folded.bias.copy_(bias)
    return folded


def _conv_unit(
    conv: nn.Conv2d, norm: nn.BatchNorm2d, is_activated: bool = True
) -> nn.Sequential:
    layers: list[nn.Module] = []
    kernel_size, stride = conv.kernel_size[0], conv.stride[0]
    if stride != 1 and kernel_size > 1:
        layers.append(TensorflowSamePadding(kernel_size, stride))
    layers.append(fold_batch_norm(conv, norm))
    if is_activated:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class FoldedBlock(nn.Module):
    """A mobile inverted bottleneck, without squeeze-excite as in EfficientNet-Lite."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        arguments = block._block_args
        if block.has_se:
            raise ValueError("squeeze-and-excitation blocks are not supported")
        layers = []
        if arguments.expand_ratio != 1:
            layers.append(_conv_unit(block._expand_conv, block._bn0))
        layers.append(_conv_unit(block._depthwise_conv, block._bn1))
        layers.append(_conv_unit(block._project_conv, block._bn2, is_activated=False))
        self.body = nn.Sequential(*layers)
        self.has_skip = bool(
            arguments.id_skip
            and arguments.stride == 1
            and arguments.input_filters == arguments.output_filters
        )

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        outputs = self.body(inputs)
        return outputs + inputs if self.has_skip else outputs


class FoldedEfficientNet(nn.Module):
    """Pooled 1280-d features and the ImageNet classifier of an EfficientNet-Lite."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.stem = _conv_unit(network._conv_stem, network._bn0)
        self.blocks = nn.Sequential(*[FoldedBlock(block) for block in network._blocks])
        self.head = _conv_unit(network._conv_head, network._bn1)
        self.classifier = network._fc

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Return (n, 1280) features, averaged over the spatial grid."""
        features = self.head(self.blocks(self.stem(inputs)))
        return features.mean(dim=(2, 3))
