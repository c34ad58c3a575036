namespace MriCs.Inference;
