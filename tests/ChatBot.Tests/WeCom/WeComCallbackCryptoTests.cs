using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatBot.WeCom.Crypto;

namespace ChatBot.Tests.WeCom;

public sealed class WeComCallbackCryptoTests
{
    public static TheoryData<string> Vectors() => [.. WeComVector.All.Select(v => v.Name)];

    public static TheoryData<string> DecryptVectors() => [.. WeComVector.All.Where(v => v.Plaintext is not null).Select(v => v.Name)];

    public static TheoryData<string> ReencryptVectors() => [.. WeComVector.All.Where(v => v.Reencrypt).Select(v => v.Name)];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Signs_every_official_vector(string name)
    {
        var v = WeComVector.Named(name);
        Assert.Equal(v.Signature, v.Crypto().Sign(v.Timestamp, v.Nonce, v.Encrypt));
        Assert.True(v.Crypto().VerifySignature(v.Signature, v.Timestamp, v.Nonce, v.Encrypt));
    }

    [Theory]
    [MemberData(nameof(DecryptVectors))]
    public void Decrypts_every_official_vector(string name)
    {
        var v = WeComVector.Named(name);
        var result = v.Crypto().Decrypt(v.Encrypt);
        Assert.Equal(WeComCryptoError.None, result.Error);
        Assert.Equal(v.Plaintext, result.Message);
    }

    [Theory]
    [MemberData(nameof(ReencryptVectors))]
    public void Encrypts_to_exactly_the_official_ciphertext_with_its_prefix(string name)
    {
        var v = WeComVector.Named(name);
        Assert.Equal(v.Encrypt, v.Crypto().Encrypt(v.Plaintext!, Encoding.ASCII.GetBytes(v.Prefix!)));
    }

    [Fact]
    public void Vector_A2_carries_pad_30_which_a_16_byte_PKCS7_unpad_rejects()
    {
        var v = WeComVector.Named("A2");
        var key = WeComCallbackCrypto.TryDecodeKey(v.Key)!;
        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(Convert.FromBase64String(v.Encrypt), key[..16], PaddingMode.None);
        Assert.Equal(v.Pad, plain[^1]);
        Assert.ThrowsAny<CryptographicException>(() => aes.DecryptCbc(Convert.FromBase64String(v.Encrypt), key[..16], PaddingMode.PKCS7));
    }

    [Fact]
    public void Decrypts_the_json_envelope_vector_A3_with_its_receiveid()
    {
        var v = WeComVector.Named("A3");
        var result = v.Crypto().Decrypt(v.Encrypt);
        Assert.Equal(WeComCryptoError.None, result.Error);
        using var json = JsonDocument.Parse(result.Message!);
        Assert.Equal("wx5823bf96d3bd56c7", json.RootElement.GetProperty("ToUserName").GetString());
    }

    // Prefix 16 + length 4 + receiveid "" = 20 bytes: a message of 11 bytes leaves pad 1, of 12 bytes pad 32.
    [Theory]
    [InlineData(11, 1)]
    [InlineData(12, 32)]
    [InlineData(43, 1)]
    [InlineData(44, 32)]
    [InlineData(0, 12)]
    public void Pads_to_a_multiple_of_32_from_1_to_32(int messageBytes, int expectedPad)
    {
        var crypto = new WeComCallbackCrypto("token", WeComVector.Named("A1").Key, "");
        var message = new string('x', messageBytes);
        var encrypted = crypto.Encrypt(message);
        var key = WeComCallbackCrypto.TryDecodeKey(WeComVector.Named("A1").Key)!;
        using var aes = Aes.Create();
        aes.Key = key;
        var plain = aes.DecryptCbc(Convert.FromBase64String(encrypted), key[..16], PaddingMode.None);
        Assert.Equal(0, plain.Length % 32);
        Assert.Equal(expectedPad, plain[^1]);
        Assert.Equal(message, crypto.Decrypt(encrypted).Message);
    }

    [Theory]
    [InlineData("你好，机器人！请问年假怎么算？")]
    [InlineData("混合 text with emoji 🚀 and ğüş")]
    [InlineData("")]
    public void Round_trips_chinese_and_multibyte_text(string text)
    {
        var crypto = new WeComCallbackCrypto("token", WeComVector.Named("B1").Key, "ww1436e0e65a779aee");
        Assert.Equal(text, crypto.Decrypt(crypto.Encrypt(text)).Message);
    }

    [Fact]
    public void Rejects_a_receiveid_that_does_not_match()
    {
        var v = WeComVector.Named("A2");
        var wrong = new WeComCallbackCrypto(v.Token, v.Key, receiveId: "");
        Assert.Equal(WeComCryptoError.ReceiveId, wrong.Decrypt(v.Encrypt).Error);
    }

    [Theory]
    [InlineData("not base64 !!")]
    [InlineData("AAAA")]
    public void Rejects_malformed_ciphertext_precisely(string encrypted)
    {
        var error = WeComVector.Named("A1").Crypto().Decrypt(encrypted).Error;
        Assert.Contains(error, new[] { WeComCryptoError.Base64, WeComCryptoError.Decrypt });
    }

    [Fact]
    public void Rejects_ciphertext_from_another_key()
    {
        var a = WeComVector.Named("A1");
        var other = new WeComCallbackCrypto(a.Token, WeComVector.Named("B1").Key, a.ReceiveId);
        Assert.NotEqual(WeComCryptoError.None, other.Decrypt(a.Encrypt).Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd")]
    [InlineData("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4")]
    [InlineData("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3 ")]
    [InlineData("zz45ff5e21c57e6ad56bac8758b79b1d9ac89fd3")]
    public void Rejects_wrong_or_malformed_signatures(string? signature)
    {
        var v = WeComVector.Named("A1");
        Assert.False(v.Crypto().VerifySignature(signature, v.Timestamp, v.Nonce, v.Encrypt));
    }

    [Fact]
    public void Signature_covers_every_input()
    {
        var v = WeComVector.Named("A1");
        var crypto = v.Crypto();
        Assert.False(crypto.VerifySignature(v.Signature, v.Timestamp + "1", v.Nonce, v.Encrypt));
        Assert.False(crypto.VerifySignature(v.Signature, v.Timestamp, v.Nonce + "1", v.Encrypt));
        Assert.False(crypto.VerifySignature(v.Signature, v.Timestamp, v.Nonce, v.Encrypt[1..]));
        Assert.False(new WeComCallbackCrypto("other", v.Key, v.ReceiveId).VerifySignature(v.Signature, v.Timestamp, v.Nonce, v.Encrypt));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tooShort")]
    [InlineData("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C=")]
    [InlineData("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2!")]
    public void Refuses_an_EncodingAESKey_that_is_not_43_base64_characters(string key)
    {
        Assert.Null(WeComCallbackCrypto.TryDecodeKey(key));
        Assert.Throws<ArgumentException>(() => new WeComCallbackCrypto("t", key, ""));
    }
}
