namespace MriCs.Phantom;
