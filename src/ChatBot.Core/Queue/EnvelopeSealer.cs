using System.Security.Cryptography;
using System.Text.Json;
using ChatBot.Core.Messages;

namespace ChatBot.Core.Queue;

/// <summary>
/// Seals a message for the queue with AES-256-GCM, so Hangfire storage (memory or Redis) only ever holds
/// ciphertext: <c>nonce(12) ‖ tag(16) ‖ ciphertext</c>, Base64. The key comes from configuration when
/// several instances share Redis, or is random per process for the in-memory default.
/// </summary>
public sealed class EnvelopeSealer
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly JsonSerializerOptions _json;
    private readonly byte[] _key;

    /// <param name="routes">The route kinds the platforms registered: how a message's reply route is written and read back.</param>
    public EnvelopeSealer(byte[] key, ReplyRouteKinds routes)
    {
        _json = routes.JsonOptions();
        if (key.Length != 32)
        {
            throw new ArgumentException("The envelope key is 32 bytes.", nameof(key));
        }

        _key = key;
    }

    public string Seal(AnswerRequest answer)
    {
        var plain = JsonSerializer.SerializeToUtf8Bytes(answer, _json);
        try
        {
            return SealBytes(plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Seals any bytes the same way (the partial text of a stream shared through Redis).</summary>
    public string SealBytes(ReadOnlySpan<byte> plain)
    {
        var output = new byte[NonceSize + TagSize + plain.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_key, TagSize))
        {
            aes.Encrypt(nonce, plain, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize));
        }

        return Convert.ToBase64String(output);
    }

    /// <exception cref="EnvelopeException">The envelope was not sealed with this key, or was altered.</exception>
    public AnswerRequest Open(string envelope)
    {
        var plain = OpenBytes(envelope);
        try
        {
            return JsonSerializer.Deserialize<AnswerRequest>(plain, _json) ?? throw new EnvelopeException("The envelope is empty.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <exception cref="EnvelopeException">The envelope was not sealed with this key, or was altered.</exception>
    public byte[] OpenBytes(string envelope)
    {
        byte[] data;
        try
        {
            data = Convert.FromBase64String(envelope);
        }
        catch (FormatException)
        {
            throw new EnvelopeException("The envelope is not Base64.");
        }

        if (data.Length < NonceSize + TagSize)
        {
            throw new EnvelopeException("The envelope is too short.");
        }

        var plain = new byte[data.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize + TagSize), data.AsSpan(NonceSize, TagSize), plain);
            return plain;
        }
        catch (AuthenticationTagMismatchException)
        {
            // A different key: another instance with another Queue:EnvelopeKey, or a restart of the in-memory default.
            throw new EnvelopeException("The envelope does not open with this instance's Queue:EnvelopeKey.");
        }
    }
}

/// <summary>An envelope that cannot be opened. Its message never says anything about the content.</summary>
public sealed class EnvelopeException(string message) : Exception(message);
