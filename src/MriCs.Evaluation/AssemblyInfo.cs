namespace MriCs.Evaluation;
