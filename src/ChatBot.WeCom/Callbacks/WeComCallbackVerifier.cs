using System.Globalization;
using ChatBot.Core.Callbacks;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.WeCom.Crypto;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatBot.WeCom.Callbacks;

/// <summary>
/// Verify first, then decrypt (STYLE.md §4): query → signature → timestamp window → AES → receiveid.
/// Shared by the AI bot and the app endpoints; they differ only in the envelope around <c>Encrypt</c>.
/// </summary>
internal sealed class WeComCallbackVerifier(WeComCallbackCrypto crypto, TimeProvider clock, TimeSpan tolerance)
{
    public WeComCallbackCrypto Crypto => crypto;

    public static WeComQuery? ReadQuery(IQueryCollection query, bool withEchostr)
    {
        string? signature = query["msg_signature"], timestamp = query["timestamp"], nonce = query["nonce"];
        string? echostr = withEchostr ? query["echostr"].ToString() : null;
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(nonce)
            || (withEchostr && string.IsNullOrEmpty(echostr)))
        {
            return null;
        }

        // Base64 never contains a space: a space here is a raw '+' that form-decoding turned into one
        // (wecom.md §6). Restoring it keeps such callbacks verifiable without decoding twice.
        return new WeComQuery(signature, timestamp, nonce, echostr?.Replace(' ', '+'));
    }

    /// <summary>
    /// The POST path up to the plaintext: query → bounded body → the envelope's Encrypt → <see cref="Open"/>.
    /// </summary>
    public async Task<WeComOpened> OpenPostAsync(HttpRequest request, int maxBodyBytes, Func<byte[], string?> readEncrypt)
    {
        if (ReadQuery(request.Query, withEchostr: false) is not { } query)
        {
            return WeComOpened.Reject(CallbackRejection.MissingParameter);
        }

        var body = await BoundedBody.ReadAsync(request.Body, request.ContentLength, maxBodyBytes, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return WeComOpened.Reject(CallbackRejection.BodyTooLarge);
        }

        return readEncrypt(body) is { Length: > 0 } encrypted ? Open(query, encrypted) with { Nonce = query.Nonce } : WeComOpened.Reject(CallbackRejection.MalformedBody);
    }

    public WeComOpened Open(WeComQuery query, string encrypted)
    {
        if (!crypto.VerifySignature(query.Signature, query.Timestamp, query.Nonce, encrypted))
        {
            return WeComOpened.Reject(CallbackRejection.SignatureMismatch);
        }

        if (!long.TryParse(query.Timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(clock.GetUtcNow().ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return WeComOpened.Reject(CallbackRejection.StaleTimestamp);
        }

        var decrypted = crypto.Decrypt(encrypted);
        return decrypted.Error switch
        {
            WeComCryptoError.None => new WeComOpened(null, decrypted.Message),
            WeComCryptoError.ReceiveId => WeComOpened.Reject(CallbackRejection.ReceiveIdMismatch),
            WeComCryptoError.Base64 => WeComOpened.Reject(CallbackRejection.MalformedBody),
            _ => WeComOpened.Reject(CallbackRejection.DecryptionFailed),
        };
    }
}

internal sealed record WeComQuery(string Signature, string Timestamp, string Nonce, string? Echostr);

/// <param name="Nonce">The callback's nonce, which an encrypted passive reply echoes (set on the POST path).</param>
internal readonly record struct WeComOpened(CallbackRejection? Rejection, string? Plaintext, string Nonce = "")
{
    public static WeComOpened Reject(CallbackRejection rejection) => new(rejection, null);

    /// <summary>One log event and one precise status per failure.</summary>
    public static IResult Refuse(CallbackRejection rejection, string channel, ILogger logger, ChatBotMetrics metrics)
    {
        WeComLog.Rejected(logger, channel, rejection.Code(), rejection.StatusCode());
        metrics.Rejected(Platform.WeCom, "wecom-" + channel, rejection.Code());
        return Results.Content(rejection.Body(), "application/json", statusCode: rejection.StatusCode());
    }
}
