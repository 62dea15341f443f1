"""`glassgrad.nn.modules.*` mirrors PyTorch's `torch.nn.modules.*` paths: the same classes as `glassgrad.nn`."""

import importlib

import pytest

import glassgrad.nn as nn

PATHS = {
    "loss": ["MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "TripletMarginLoss", "GaussianNLLLoss"],
    "conv": ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"],
    "linear": ["Linear", "Identity", "Bilinear"],
    "instancenorm": ["InstanceNorm1d", "InstanceNorm2d"],
    "activation": ["ReLU", "GELU", "Softmax", "MultiheadAttention"],
    "module": ["Module"],
    "container": ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"],
    "transformer": ["Transformer", "TransformerEncoder", "TransformerDecoderLayer"],
    "rnn": ["LSTM", "GRU", "RNN", "LSTMCell"],
    "batchnorm": ["BatchNorm1d", "BatchNorm2d"],
    "dropout": ["Dropout", "Dropout1d", "Dropout2d"],
    "normalization": ["LayerNorm", "GroupNorm", "RMSNorm"],
    "pooling": ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveAvgPool1d", "AdaptiveMaxPool2d"],
    "sparse": ["Embedding"],
    "distance": ["CosineSimilarity", "PairwiseDistance"],
    "upsampling": ["Upsample", "UpsamplingNearest2d"],
    "pixelshuffle": ["PixelShuffle", "PixelUnshuffle"],
    "padding": ["ZeroPad2d", "ConstantPad1d", "ReflectionPad2d", "ReplicationPad1d", "CircularPad2d"],
}


@pytest.mark.parametrize("path,names", PATHS.items())
def test_each_path_reexports_the_nn_classes(path, names):
    module = importlib.import_module(f"glassgrad.nn.modules.{path}")
    for name in names:
        assert getattr(module, name) is getattr(nn, name), f"nn.modules.{path}.{name}"
    assert getattr(nn.modules, path) is module  # an attribute path too: nn.modules.loss.MSELoss


def test_the_same_names_exist_on_torchs_paths():
    torch = pytest.importorskip("torch")
    for path, names in PATHS.items():
        theirs = importlib.import_module(f"torch.nn.modules.{path}")
        for name in names:
            assert hasattr(theirs, name), f"torch.nn.modules.{path} has no {name}: the mirror would be wrong"
    assert nn.modules.module.Module is nn.Module and hasattr(torch.nn.modules.module, "Module")
