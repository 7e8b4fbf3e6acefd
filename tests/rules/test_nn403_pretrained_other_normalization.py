"""NN403: ImageNet-pretrained weights see inputs normalised with some other dataset's statistics."""

from tests.rules.helpers import findings, messages


def test_cifar_statistics_with_a_pretrained_resnet_are_flagged_at_normalize():
    source = """
        import torchvision
        from torchvision import transforms

        model = torchvision.models.resnet18(pretrained=True)
        transform = transforms.Compose([
            transforms.ToTensor(),
            transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
        ])
    """
    assert findings(source, "NN403") == [(8, 5)]
    assert messages(source, "NN403") == [
        "inputs are normalised with mean (0.4914, 0.4822, 0.4465) / std (0.247, 0.2435, 0.2616), but "
        "`resnet18(...)` loads ImageNet-pretrained weights that expect mean (0.485, 0.456, 0.406) / std "
        "(0.229, 0.224, 0.225) — normalise with ImageNet's statistics (or use the weights' own `transforms()`)"
    ]


def test_half_statistics_with_weights_enum_through_a_variable():
    source = """
        from torchvision.models import resnet50, ResNet50_Weights
        import torchvision.transforms.v2 as T

        weights = ResNet50_Weights.IMAGENET1K_V2
        model = resnet50(weights=weights)
        preprocess = T.Compose([T.ToImage(), T.Normalize(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])])
    """
    assert findings(source, "NN403") == [(7, 38)]


def test_functional_normalize_in_a_dataset_with_default_weights_string():
    source = """
        import torchvision.transforms.functional as TF
        from torchvision import models

        class Data:
            def __getitem__(self, i):
                return TF.normalize(TF.to_tensor(self.images[i]), (0.5,), (0.5,))

        backbone = models.efficientnet_b0(weights="DEFAULT")
    """
    assert findings(source, "NN403") == [(7, 16)]


def test_albumentations_normalize_with_module_constants_and_a_lightning_module():
    source = """
        import albumentations as A
        import lightning as L
        import torchvision

        MEAN = (0.5071, 0.4865, 0.4409)
        STD = (0.2673, 0.2564, 0.2762)

        class Classifier(L.LightningModule):
            def __init__(self):
                super().__init__()
                self.net = torchvision.models.convnext_tiny(weights=torchvision.models.ConvNeXt_Tiny_Weights.DEFAULT)
                self.val_tf = A.Compose([A.Resize(224, 224), A.Normalize(mean=MEAN, std=STD)])
    """
    assert findings(source, "NN403") == [(13, 54)]


def test_segmentation_model_with_statistics_on_the_0_255_scale():
    source = """
        from torchvision.models.segmentation import deeplabv3_resnet50
        from torchvision import transforms as T

        model = deeplabv3_resnet50(weights="COCO_WITH_VOC_LABELS_V1", weights_backbone="IMAGENET1K_V1")
        model = deeplabv3_resnet50(pretrained=True)
        tf = T.Normalize([127.5, 127.5, 127.5], [127.5, 127.5, 127.5])
    """
    assert findings(source, "NN403") == [(7, 6)]


def test_imagenet_statistics_are_clean_rounded_or_on_the_0_255_scale():
    source = """
        import torchvision
        from torchvision import transforms

        model = torchvision.models.resnet18(weights="IMAGENET1K_V1")
        a = transforms.Normalize([0.48, 0.46, 0.41], [0.23, 0.22, 0.23])
        b = transforms.Normalize(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
    """
    assert findings(source, "NN403") == []


def test_training_from_scratch_with_dataset_statistics_is_clean():
    source = """
        import torchvision
        from torchvision import transforms

        model = torchvision.models.resnet18(weights=None, num_classes=10)
        tf = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
    """
    assert findings(source, "NN403") == []


def test_timm_and_hugging_face_checkpoints_bring_their_own_statistics():
    timm_vit = """
        import timm
        from torchvision import transforms

        model = timm.create_model("vit_base_patch16_224.augreg_in21k", pretrained=True)
        tf = transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    """
    hf_vit = """
        from transformers import ViTForImageClassification
        from torchvision import transforms

        model = ViTForImageClassification.from_pretrained("google/vit-base-patch16-224")
        tf = transforms.Normalize(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])
    """
    assert findings(timm_vit, "NN403") == []
    assert findings(hf_vit, "NN403") == []


def test_clip_statistics_in_a_file_that_also_loads_clip_are_clean():
    source = """
        import clip
        import torchvision
        from torchvision import transforms

        clip_model, _ = clip.load("ViT-B/32")
        resnet = torchvision.models.resnet50(pretrained=True)
        clip_norm = transforms.Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))
    """
    assert findings(source, "NN403") == []


def test_torchvision_weights_trained_with_other_statistics_are_clean():
    source = """
        from torchvision.models import efficientnet_v2_l, EfficientNet_V2_L_Weights
        from torchvision.models.video import r3d_18
        from torchvision import transforms

        model = efficientnet_v2_l(weights=EfficientNet_V2_L_Weights.DEFAULT)
        video = r3d_18(pretrained=True)
        tf = transforms.Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
        video_tf = transforms.Normalize((0.43216, 0.394666, 0.37645), (0.22803, 0.22145, 0.216989))
    """
    assert findings(source, "NN403") == []


def test_gan_file_that_renormalises_for_a_perceptual_loss_is_clean():
    source = """
        import torch
        import torchvision
        from torchvision import transforms

        vgg = torchvision.models.vgg16(pretrained=True).features.eval()
        IMAGENET = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        data_tf = transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))  # generator works in [-1, 1]
    """
    assert findings(source, "NN403") == []


def test_statistics_computed_at_runtime_are_not_judged():
    source = """
        import torchvision
        from torchvision import transforms

        model = torchvision.models.resnet18(pretrained=True)
        mean, std = compute_stats(train_ds)
        tf = transforms.Normalize(mean, std)
        undo = transforms.Normalize(mean=[-m / s for m, s in zip(mean, std)], std=[1 / s for s in std])
    """
    assert findings(source, "NN403") == []


def test_albumentations_defaults_are_imagenet_statistics():
    source = """
        import albumentations as A
        from torchvision.models import resnet34

        model = resnet34(pretrained=True)
        ok = A.Compose([A.Resize(224, 224), A.Normalize()])
        half = A.Compose([A.Normalize(mean=(0.5, 0.5, 0.5))])
        by_image = A.Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), normalization="image")
    """
    assert findings(source, "NN403") == [(7, 19)]
