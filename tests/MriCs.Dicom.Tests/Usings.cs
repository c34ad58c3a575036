global using Xunit;
global using MriCs.Dicom.IO;
