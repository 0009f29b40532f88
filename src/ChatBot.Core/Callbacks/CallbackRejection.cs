namespace ChatBot.Core.Callbacks;

/// <summary>Why a platform callback was refused. Each reason maps to one precise 4xx and one log event.</summary>
public enum CallbackRejection
{
    MissingParameter,
    MalformedBody,
    BodyTooLarge,
    UnsupportedMediaType,
    SignatureMismatch,
    StaleTimestamp,
    ReceiveIdMismatch,
    DecryptionFailed,

    /// <summary>
    /// A signature already used for another message: a captured header pair replayed with a forged body — or, rarely,
    /// two genuine callbacks signed in the same millisecond. Answered 503: the forged body is never taken in, and
    /// the platform's retry of a genuine one carries a fresh timestamp and signature.
    /// </summary>
    SignatureReplayed,

    /// <summary>The body names another bot than the one configured (DingTalk robotCode).</summary>
    WrongRecipient,
}

public static class CallbackRejectionExtensions
{
    public static int StatusCode(this CallbackRejection rejection) => rejection switch
    {
        CallbackRejection.MissingParameter => 400,
        CallbackRejection.MalformedBody => 400,
        CallbackRejection.DecryptionFailed => 400,
        CallbackRejection.BodyTooLarge => 413,
        CallbackRejection.UnsupportedMediaType => 415,
        CallbackRejection.SignatureMismatch => 401,
        CallbackRejection.StaleTimestamp => 401,
        CallbackRejection.ReceiveIdMismatch => 403,
        CallbackRejection.SignatureReplayed => 503,
        CallbackRejection.WrongRecipient => 403,
        _ => 400,
    };

    /// <summary>The response body: the code alone, so a platform console or an admin's curl shows what failed.</summary>
    public static string Body(this CallbackRejection rejection) => $"{{\"error\":\"{rejection.Code()}\"}}";

    /// <summary>A stable machine-readable code for the response body and the log event.</summary>
    public static string Code(this CallbackRejection rejection) => rejection switch
    {
        CallbackRejection.MissingParameter => "missing_parameter",
        CallbackRejection.MalformedBody => "malformed_body",
        CallbackRejection.BodyTooLarge => "body_too_large",
        CallbackRejection.UnsupportedMediaType => "unsupported_media_type",
        CallbackRejection.SignatureMismatch => "signature_mismatch",
        CallbackRejection.StaleTimestamp => "stale_timestamp",
        CallbackRejection.ReceiveIdMismatch => "receiveid_mismatch",
        CallbackRejection.DecryptionFailed => "decryption_failed",
        CallbackRejection.SignatureReplayed => "signature_replayed",
        CallbackRejection.WrongRecipient => "wrong_recipient",
        _ => "rejected",
    };
}
