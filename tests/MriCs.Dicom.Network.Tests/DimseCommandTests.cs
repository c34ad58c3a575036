namespace MriCs.Dicom.Network.Tests;

public class DimseCommandTests
{
    [Fact]
    public void C_store_rq_encodes_group_length_and_round_trips()
    {
        var rq = DimseCommand.CStoreRq(7, "1.2.840.10008.5.1.4.1.1.4", "1.2.3.45");
        var bytes = rq.Encode();
        // (0000,0000) UL = length of everything after it.
        Assert.Equal(new byte[] { 0, 0, 0, 0, 4, 0, 0, 0 }, bytes[..8]);
        Assert.Equal(bytes.Length - 12, BitConverter.ToInt32(bytes, 8));
        var back = DimseCommand.Decode(bytes);
        Assert.Equal(CommandField.CStoreRq, back.CommandField);
        Assert.Equal((ushort)7, back.MessageId);
        Assert.True(back.HasDataSet);
        Assert.Equal("1.2.840.10008.5.1.4.1.1.4", back.AffectedSopClassUid);
        Assert.Equal("1.2.3.45", back.AffectedSopInstanceUid);
        // Odd-length UID padded with NUL to an even length.
        Assert.Equal(0, bytes.Length % 2);
    }

    [Fact]
    public void Response_answers_the_request()
    {
        var rq = DimseCommand.CEchoRq(42);
        var rsp = DimseCommand.Decode(DimseCommand.ResponseTo(rq, DimseStatus.Success).Encode());
        Assert.Equal(CommandField.CEchoRsp, rsp.CommandField);
        Assert.Equal((ushort)42, rsp.MessageIdBeingRespondedTo);
        Assert.Equal(DimseStatus.Success, rsp.Status);
        Assert.False(rsp.HasDataSet);
        Assert.Equal(NetworkUids.Verification, rsp.AffectedSopClassUid);
    }

    [Fact]
    public void Bad_command_sets_fail_with_offsets()
    {
        var bytes = DimseCommand.CEchoRq(1).Encode();
        Assert.Contains("truncated", Assert.Throws<DicomNetworkException>(() => DimseCommand.Decode(bytes.AsSpan(0, bytes.Length - 3))).Message);
        var wrongGroup = (byte[])bytes.Clone();
        wrongGroup[12] = 8; // group of the second element
        Assert.Contains("outside group 0000", Assert.Throws<DicomNetworkException>(() => DimseCommand.Decode(wrongGroup)).Message);
        var longLen = (byte[])bytes.Clone();
        longLen[16] = 0xFF; longLen[17] = 0xFF;
        Assert.Contains("declares length", Assert.Throws<DicomNetworkException>(() => DimseCommand.Decode(longLen)).Message);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.1", true)]
    [InlineData("1.2.03", false)]
    [InlineData("1..2", false)]
    [InlineData("1.2.", false)]
    [InlineData("../../etc", false)]
    [InlineData("", false)]
    public void Uid_validation(string uid, bool valid) => Assert.Equal(valid, NetworkUids.IsValidUid(uid));
}
