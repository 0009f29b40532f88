using ChatBot.WeCom.Crypto;

namespace ChatBot.Host.Cli.Doctor;

/// <summary>A WeCom channel's Token and EncodingAESKey are well-formed: its own crypto round-trips a message.</summary>
internal static class ChannelKeysCheck
{
    public static Finding Run(string check, string token, string key, string receiveId)
    {
        try
        {
            var crypto = new WeComCallbackCrypto(token, key, receiveId);
            var sealedText = crypto.Encrypt("doctor round trip");
            var signature = crypto.Sign("1700000000", "nonce", sealedText);
            return crypto.VerifySignature(signature, "1700000000", "nonce", sealedText) && crypto.Decrypt(sealedText).Message == "doctor round trip"
                ? new(check, Verdict.Pass, "token and 43-character EncodingAESKey are well-formed; encrypt → sign → verify → decrypt round-trips")
                : new(check, Verdict.Fail, "the keys do not round-trip", "copy Token and EncodingAESKey again from the console");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            return new(check, Verdict.Fail, ex.Message, "copy Token and EncodingAESKey again from the console");
        }
    }
}
