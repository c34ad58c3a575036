global using MriCs.Dicom.Network;
global using Xunit;
