"""Model builders: the study's detector and four classifier backbones, torchvision stand-ins when timm is absent."""
import torch
from torch import nn
import torchvision
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import mobilenet_backbone
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.resnet import BasicBlock, ResNet

DETECTOR_SIZE = 448

# id -> (DL version, study backbone, builder description)
CLASSIFIERS = {
    "cls-mnasnet-small": (1, "mnasnet_small", "torchvision mnasnet0_5"),
    "cls-mobilenetv3-small-050": (2, "mobilenetv3_small_050", "torchvision mobilenet_v3_small(width_mult=0.5)"),
    "cls-efficientnet-b0": (3, "efficientnet_b0", "torchvision efficientnet_b0"),
    "cls-resnet10": (4, "resnest14d (paper) / repvgg_a0 (code)", "torchvision ResNet(BasicBlock, [1,1,1,1]) = ResNet-10, stand-in for resnest14d without split attention"),
}

TIMM_NAMES = {
    "cls-mnasnet-small": "mnasnet_small",
    "cls-mobilenetv3-small-050": "mobilenetv3_small_050",
    "cls-efficientnet-b0": "efficientnet_b0",
    "cls-resnet10": "resnest14d",
}


def classifier(model_id, num_classes=3, use_timm=False):
    if use_timm:
        import timm  # the study's exact backbones (GPU box with timm installed)
        return timm.create_model(TIMM_NAMES[model_id], pretrained=False, num_classes=num_classes)
    if model_id == "cls-mnasnet-small":
        return torchvision.models.mnasnet0_5(weights=None, num_classes=num_classes)
    if model_id == "cls-mobilenetv3-small-050":
        return torchvision.models.mobilenet_v3_small(weights=None, num_classes=num_classes, width_mult=0.5)
    if model_id == "cls-efficientnet-b0":
        return torchvision.models.efficientnet_b0(weights=None, num_classes=num_classes)
    if model_id == "cls-resnet10":
        return ResNet(BasicBlock, [1, 1, 1, 1], num_classes=num_classes)
    raise ValueError(f"unknown classifier id {model_id}")


def detector():
    """Faster R-CNN, MobileNetV3-small FPN backbone (trainable BatchNorm: trained from scratch), 256-wide box head, 2 classes."""
    backbone = mobilenet_backbone(backbone_name="mobilenet_v3_small", weights=None, fpn=True,
                                  norm_layer=nn.BatchNorm2d, trainable_layers=6)
    anchors = AnchorGenerator(sizes=((32, 64, 128),) * 3, aspect_ratios=((0.5, 1.0, 2.0),) * 3)
    resolution = 7
    head = TwoMLPHead(backbone.out_channels * resolution * resolution, 256)
    return FasterRCNN(backbone, num_classes=None, rpn_anchor_generator=anchors,
                      box_head=head, box_predictor=FastRCNNPredictor(256, 2),
                      min_size=DETECTOR_SIZE, max_size=DETECTOR_SIZE,
                      rpn_pre_nms_top_n_train=600, rpn_post_nms_top_n_train=300,
                      rpn_pre_nms_top_n_test=300, rpn_post_nms_top_n_test=100,
                      box_batch_size_per_image=128, box_detections_per_img=5, box_score_thresh=0.05)
