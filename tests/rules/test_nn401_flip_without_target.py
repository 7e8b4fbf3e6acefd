"""NN401: an image flipped while its boxes / masks / keypoints are returned unflipped."""

import pytest

from tests.rules.helpers import findings, messages

FLAGGED = {
    "TF.hflip with boxes": """
        import random
        import torchvision.transforms.functional as TF

        class Det:
            def __getitem__(self, i):
                img, boxes = self.load(i)
                if random.random() < 0.5:
                    img = TF.hflip(img)
                return img, boxes
    """,
    "torch.flip with a target dict": """
        import random
        import torch

        class Det:
            def __getitem__(self, i):
                image = self.images[i]
                target = {"boxes": self.boxes[i], "labels": self.labels[i]}
                if random.random() < self.p:
                    image = torch.flip(image, dims=[-1])
                return image, target
    """,
    "tensor method flip with a mask": """
        import torch

        def augment(img, mask):
            if torch.rand(1) < 0.5:
                img = img.flip(-1)
            return img, mask
    """,
    "numpy slice flip in a segmentation loader": """
        import numpy as np

        def load(path, seg):
            img = np.load(path)
            if np.random.rand() < 0.5:
                img = img[:, ::-1]
            return img, seg
    """,
    "cv2.flip with keypoints": """
        import random
        import cv2

        def augment(image, keypoints):
            if random.random() > 0.5:
                image = cv2.flip(image, 1)
            return {"image": image, "keypoints": keypoints}
    """,
    "PIL transpose with bboxes": """
        import random
        from PIL import Image

        def augment(img, bboxes):
            if random.random() < 0.5:
                img = img.transpose(Image.FLIP_LEFT_RIGHT)
            return img, bboxes
    """,
    "np.fliplr with landmarks": """
        import numpy as np

        def augment(face, landmarks, flip):
            if flip:
                face = np.fliplr(face)
            return face, landmarks
    """,
    "v1 RandomHorizontalFlip on the image of a detection dataset": """
        from torchvision import transforms as T

        class Det:
            def __init__(self):
                self.transform = T.Compose([T.RandomHorizontalFlip(), T.ToTensor()])

            def __getitem__(self, i):
                img = self.transform(self.images[i])
                return img, self.masks[i]
    """,
}

CLEAN = {
    "classification dataset": """
        import random
        import torchvision.transforms.functional as TF

        class Cls:
            def __getitem__(self, i):
                img, label = self.load(i)
                if random.random() < 0.5:
                    img = TF.hflip(img)
                return img, label
    """,
    "boxes flipped in the same branch": """
        import random
        import torchvision.transforms.functional as TF

        class Det:
            def __getitem__(self, i):
                img, boxes = self.load(i)
                if random.random() < 0.5:
                    img = TF.hflip(img)
                    boxes[:, [0, 2]] = img.width - boxes[:, [2, 0]]
                return img, boxes
    """,
    "mask flipped too": """
        import torch

        def augment(img, mask):
            if torch.rand(1) < 0.5:
                img = img.flip(-1)
                mask = mask.flip(-1)
            return img, mask
    """,
    "image and target flipped by one helper": """
        import random

        def augment(img, target):
            if random.random() < 0.5:
                img, target = hflip_with_boxes(img, target["boxes"])
            return img, target
    """,
    "BGR to RGB channel swap": """
        import cv2

        def load(path, boxes):
            img = cv2.imread(path)[..., ::-1]
            return img, boxes
    """,
    "reversing a list": """
        def order(scores, boxes):
            ranked = sorted(scores)[::-1]
            return ranked, boxes
    """,
    "v2 flip with tv_tensors": """
        from torchvision.transforms import v2

        class Det:
            def __init__(self):
                self.transform = v2.Compose([v2.RandomHorizontalFlip(), v2.ToImage()])

            def __getitem__(self, i):
                img, target = self.transform(self.images[i], self.targets[i])
                return img, target
    """,
    "v1 flip in a classification dataset": """
        from torchvision import transforms as T

        class Cls:
            def __init__(self):
                self.transform = T.Compose([T.RandomHorizontalFlip(), T.ToTensor()])

            def __getitem__(self, i):
                return self.transform(self.images[i]), self.labels[i]
    """,
    "reversing a sequence in a function that calls a mask helper": """
        import torch

        def backward(ctx, grads, masks):
            flat = [torch.flip(x, (0,)) for x in grads]
            return (*flat, *fill_none_with_masks(grads, masks))
    """,
    "flipping a kernel": """
        import torch

        def correlate(kernel, boxes):
            weight = torch.flip(kernel, dims=[-1, -2])
            return weight, boxes
    """,
    "test-time augmentation without targets": """
        import torch

        def tta(model, images):
            return (model(images) + model(images.flip(-1))) / 2
    """,
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(source):
    assert len(findings(source, "NN401")) == 1


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN.keys())
def test_clean(source):
    assert findings(source, "NN401") == []


def test_points_at_the_flip():
    assert findings(FLAGGED["TF.hflip with boxes"], "NN401") == [(9, 19)]


# Seen in the wild (bigmb/Unet-Segmentation-Pytorch-Nest-of-Unets#30): a segmentation dataset keeps one
# pipeline for the image and one for the mask; only the image's rotates at random.
SEGMENTATION_SHAPE = """
    import torchvision
    from PIL import Image
    from torch.utils.data import Dataset

    class ImagesDataset(Dataset):
        def __init__(self, images, labels, transform_image=None):
            self.images, self.labels = images, labels
            if transform_image:
                self.tx = transform_image
            else:
                self.tx = torchvision.transforms.Compose([
                    torchvision.transforms.CenterCrop(96),
                    torchvision.transforms.RandomRotation((-10, 10)),
                    torchvision.transforms.ToTensor(),
                ])
            self.lx = torchvision.transforms.Compose([
                torchvision.transforms.CenterCrop(96),{label_rotation}
                torchvision.transforms.Grayscale(),
                torchvision.transforms.ToTensor(),
            ])

        def __getitem__(self, i):
            image = Image.open(self.images[i])
            label = Image.open(self.labels[i])
            return self.tx(image), self.lx(label)
"""


def test_random_rotation_in_the_image_pipeline_only_of_a_segmentation_dataset():
    source = SEGMENTATION_SHAPE.format(label_rotation="")
    assert findings(source, "NN401") == [(14, 17)]
    assert messages(source, "NN401") == [
        "`RandomRotation` moves the image at random but `self.lx`, the pipeline its mask/target goes through, does "
        "not: the labels no longer line up with the pixels — transform both jointly (`torchvision.transforms.v2` "
        "with `tv_tensors.Mask`) or give them the same seeded draw"
    ]


def test_both_pipelines_rotate_as_the_fix_does_with_a_shared_seed():
    rotation = "\n                torchvision.transforms.RandomRotation((-10, 10)),"
    assert findings(SEGMENTATION_SHAPE.format(label_rotation=rotation), "NN401") == []


def test_voc_segmentation_with_a_random_flip_in_transform_but_not_in_target_transform():
    source = """
        from torchvision import datasets, transforms as T

        train_set = datasets.VOCSegmentation(
            "data",
            image_set="train",
            transform=T.Compose([T.Resize(256), T.RandomHorizontalFlip(), T.ToTensor()]),
            target_transform=T.Compose([T.Resize(256, interpolation=T.InterpolationMode.NEAREST), T.PILToTensor()]),
        )
    """
    assert findings(source, "NN401") == [(7, 41)]


def test_classification_target_transform_that_encodes_labels_is_clean():
    source = """
        from torchvision import datasets, transforms as T

        train_set = datasets.ImageFolder(
            "data",
            transform=T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor()]),
            target_transform=T.Compose([T.Lambda(lambda y: y % 10)]),
        )
    """
    assert findings(source, "NN401") == []


def test_two_random_views_of_the_same_image_are_not_an_image_and_its_mask():
    source = """
        from torchvision import transforms as T

        class TwoViews:
            def __init__(self):
                self.strong = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor()])
                self.weak = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()])

            def __getitem__(self, i):
                image = self.load(i)
                return self.weak(image), self.strong(image)
    """
    assert findings(source, "NN401") == []


def test_super_resolution_pair_whose_low_resolution_pipeline_reads_the_cropped_output_is_clean():
    source = """
        from PIL import Image
        from torchvision.transforms import CenterCrop, Compose, RandomCrop, Resize, ToPILImage, ToTensor

        class TrainDatasetFromFolder:
            def __init__(self, files, crop_size, upscale_factor):
                self.files = files
                self.hr_transform = Compose([RandomCrop(crop_size), ToTensor()])
                self.lr_transform = Compose([ToPILImage(), Resize(crop_size // upscale_factor), ToTensor()])

            def __getitem__(self, index):
                hr_image = self.hr_transform(Image.open(self.files[index]))
                lr_image = self.lr_transform(hr_image)
                return lr_image, hr_image
    """
    assert findings(source, "NN401") == []


def test_image_and_mask_opened_inline_are_still_two_items():
    source = """
        from PIL import Image
        import torchvision.transforms as T

        class Segmentation:
            def __init__(self, images, masks):
                self.images, self.masks = images, masks
                self.transform = T.Compose([T.Resize(256), T.RandomHorizontalFlip(), T.ToTensor()])
                self.target_transform = T.Compose([T.Resize(256), T.PILToTensor()])

            def __getitem__(self, i):
                return self.transform(Image.open(self.images[i])), self.target_transform(Image.open(self.masks[i]))
    """
    assert findings(source, "NN401") == [(8, 52)]
