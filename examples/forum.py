"""The kind of short script people post when "the model does not learn" — each bug a rule of its own.

Static mode:  nnlint examples/forum.py --select ALL
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Scorer(nn.Module):
    """Ten-class classifier that ends in a sigmoid."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)
        self.out = nn.Sigmoid()

    def forward(self, x):
        return self.out(self.fc(x))


scorer = Scorer()
criterion = nn.CrossEntropyLoss()


def scorer_loss(x, y):
    return criterion(scorer(x), y)  # NN207: cross-entropy on sigmoid scores


def tagging_loss(tagger, images, tags):
    probs = F.softmax(tagger(images), dim=1)
    return F.binary_cross_entropy(probs, tags)  # NN208: multi-label targets, competing outputs


def distillation_loss(student_logits, teacher_logits, T=4.0):
    student = F.softmax(student_logits / T, dim=1)
    teacher = F.softmax(teacher_logits / T, dim=1)
    return F.kl_div(student, teacher, reduction="batchmean")  # NN209: input must be log-probabilities


spam_head = nn.Linear(300, 1)


def spam_loss(features, is_spam):
    return F.cross_entropy(spam_head(features), is_spam)  # NN210: softmax over one unit is always 1


def train(model, trainloader, epochs=10):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(epochs):
        for inputs, labels in trainloader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), labels)
            loss.backward  # the parentheses are missing
            optimizer.step()  # NN307: no backward ran


def regression_step(model, x, y, optimizer):
    preds = model(x)
    mse = ((preds.detach().numpy() - y) ** 2).mean()
    loss = torch.tensor(mse)  # NN308: a copy of a number, with no path back to the weights
    loss.requires_grad = True  # NN308: silences the error, still learns nothing
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def make_trainloader(trainset):
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=32)  # NN404: same order every epoch
    return trainloader


def save_scorer():
    torch.save(scorer, "scorer.pth")  # NN604: pickles the class, not the weights


def latency(model, x):
    import time

    x = x.cuda()
    start = time.perf_counter()
    model(x)
    return time.perf_counter() - start  # NN605: times the kernel launches only
