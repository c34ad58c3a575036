namespace MriCs.Dicom;
