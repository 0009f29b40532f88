using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ChatBot.WeCom.Crypto;

/// <summary>
/// WeCom callback signing and AES encryption (wecom.md §1): SHA1 over the four sorted strings, and
/// AES-256-CBC with IV = key[0..16) and PKCS#7 padding to a multiple of <b>32</b> bytes, written by hand
/// because .NET's PKCS7 mode only accepts pads up to the 16-byte block size (vector A2 carries pad 30).
/// </summary>
public sealed class WeComCallbackCrypto
{
    private const int PadBlock = 32;
    private const int PrefixLength = 16;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly string _token;
    private readonly byte[] _key;
    private readonly byte[] _iv;
    private readonly byte[] _receiveId;

    /// <param name="receiveId">corpid for a self-built app, <c>""</c> for an internal AI bot.</param>
    public WeComCallbackCrypto(string token, string encodingAesKey, string receiveId)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        _key = TryDecodeKey(encodingAesKey)
            ?? throw new ArgumentException("EncodingAESKey must be 43 Base64 characters that decode to 32 bytes.", nameof(encodingAesKey));
        _token = token;
        _iv = _key[..16];
        _receiveId = Encoding.UTF8.GetBytes(receiveId);
    }

    /// <summary>AESKey = Base64Decode(EncodingAESKey + "="); null unless it is exactly 43 characters → 32 bytes.</summary>
    public static byte[]? TryDecodeKey(string? encodingAesKey)
    {
        if (encodingAesKey is not { Length: 43 })
        {
            return null;
        }

        var key = new byte[33];
        return Convert.TryFromBase64String(encodingAesKey + "=", key, out var written) && written == 32 ? key[..32] : null;
    }

    /// <summary>Lowercase hex SHA1 of token, timestamp, nonce and data, sorted ordinally and concatenated.</summary>
    public string Sign(string timestamp, string nonce, string data)
    {
        Span<byte> hash = stackalloc byte[20];
        ComputeSignature(timestamp, nonce, data, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Checks a signature in constant time.</summary>
    public bool VerifySignature(string? signature, string timestamp, string nonce, string data)
    {
        Span<byte> given = stackalloc byte[20];
        if (signature is not { Length: 40 } || Convert.FromHexString(signature, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 20)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[20];
        ComputeSignature(timestamp, nonce, data, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private void ComputeSignature(string timestamp, string nonce, string data, Span<byte> destination)
    {
        string[] parts = [_token, timestamp, nonce, data];
        Array.Sort(parts, StringComparer.Ordinal);
        var joined = Encoding.UTF8.GetBytes(string.Concat(parts));
        SHA1.HashData(joined, destination);
    }

    /// <summary>Decrypts a Base64 <c>Encrypt</c>/<c>echostr</c> value and checks the receiveid.</summary>
    public WeComDecryption Decrypt(string encrypted)
    {
        var maxLength = encrypted.Length / 4 * 3;
        var cipher = new byte[maxLength];
        if (!Convert.TryFromBase64String(encrypted, cipher, out var cipherLength))
        {
            return WeComDecryption.Fail(WeComCryptoError.Base64);
        }

        if (cipherLength < PadBlock || cipherLength % 16 != 0)
        {
            return WeComDecryption.Fail(WeComCryptoError.Decrypt);
        }

        byte[] plain;
        using (var aes = Aes.Create())
        {
            aes.Key = _key;
            plain = aes.DecryptCbc(cipher.AsSpan(0, cipherLength), _iv, PaddingMode.None);
        }

        try
        {
            int pad = plain[^1];
            if (pad is < 1 or > PadBlock || pad > plain.Length)
            {
                return WeComDecryption.Fail(WeComCryptoError.Decrypt);
            }

            var content = plain.AsSpan(0, plain.Length - pad);
            if (content.Length < PrefixLength + 4)
            {
                return WeComDecryption.Fail(WeComCryptoError.Buffer);
            }

            var messageLength = BinaryPrimitives.ReadInt32BigEndian(content.Slice(PrefixLength, 4));
            var messageStart = PrefixLength + 4;
            if (messageLength < 0 || messageLength > content.Length - messageStart)
            {
                return WeComDecryption.Fail(WeComCryptoError.Buffer);
            }

            var receiveId = content[(messageStart + messageLength)..];
            if (!receiveId.SequenceEqual(_receiveId))
            {
                return WeComDecryption.Fail(WeComCryptoError.ReceiveId);
            }

            var message = content.Slice(messageStart, messageLength);
            return WeComDecryption.Ok(StrictUtf8.GetString(message));
        }
        catch (DecoderFallbackException)
        {
            return WeComDecryption.Fail(WeComCryptoError.Buffer);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Encrypts a message with a fresh random 16-byte prefix.</summary>
    public string Encrypt(string message)
    {
        Span<byte> prefix = stackalloc byte[PrefixLength];
        RandomNumberGenerator.Fill(prefix);
        return Encrypt(message, prefix);
    }

    /// <summary>Encrypts with a given prefix; public so the official vectors can be checked byte for byte.</summary>
    public string Encrypt(string message, ReadOnlySpan<byte> prefix)
    {
        if (prefix.Length != PrefixLength)
        {
            throw new ArgumentException("The random prefix is 16 bytes.", nameof(prefix));
        }

        var messageLength = Encoding.UTF8.GetByteCount(message);
        var unpadded = PrefixLength + 4 + messageLength + _receiveId.Length;
        var pad = PadBlock - (unpadded % PadBlock);
        var plain = new byte[unpadded + pad];
        prefix.CopyTo(plain);
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(PrefixLength, 4), messageLength);
        Encoding.UTF8.GetBytes(message, plain.AsSpan(PrefixLength + 4));
        _receiveId.CopyTo(plain.AsSpan(PrefixLength + 4 + messageLength));
        plain.AsSpan(unpadded).Fill((byte)pad);
        try
        {
            using var aes = Aes.Create();
            aes.Key = _key;
            return Convert.ToBase64String(aes.EncryptCbc(plain, _iv, PaddingMode.None));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }
}

/// <summary>The sample library's error classes (wecom.md §1), for precise rejections.</summary>
public enum WeComCryptoError
{
    None,
    Base64,
    Decrypt,
    Buffer,
    ReceiveId,
}

public readonly record struct WeComDecryption(WeComCryptoError Error, string? Message)
{
    public bool Succeeded => Error == WeComCryptoError.None;

    public static WeComDecryption Ok(string message) => new(WeComCryptoError.None, message);

    public static WeComDecryption Fail(WeComCryptoError error) => new(error, null);
}
