using ChatBot.DingTalk.Signing;

namespace ChatBot.Tests.DingTalk;

public sealed class DingTalkSignatureTests
{
    // dingtalk.md "Test vectors": the receive-message sample's inputs, the custom robot sample, a derived one.
    [Theory]
    [InlineData("1577262236757", "this is a secret", "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=")]
    [InlineData("1577262236757", "this is secret", "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=")]
    [InlineData("1577262236757", "testAppSecret", "Dc2jA7l8d6QkQ44GaOlQvDzR5W1cS7UBLolNXURn+v4=")]
    public void Computes_and_verifies_the_published_vectors(string timestamp, string secret, string sign)
    {
        var signature = new DingTalkSignature(secret);
        Assert.Equal(sign, signature.Compute(timestamp));
        Assert.True(signature.Verify(sign, timestamp));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA")]
    [InlineData("DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CB=")]
    [InlineData("DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA%3D")]
    [InlineData("DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=DJrE")]
    public void Rejects_wrong_truncated_or_url_encoded_signs(string? sign)
    {
        Assert.False(new DingTalkSignature("this is a secret").Verify(sign, "1577262236757"));
    }

    [Fact]
    public void Sign_depends_on_timestamp_and_secret()
    {
        const string sign = "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=";
        Assert.False(new DingTalkSignature("this is a secret").Verify(sign, "1577262236758"));
        Assert.False(new DingTalkSignature("this is a secret ").Verify(sign, "1577262236757"));
    }
}
