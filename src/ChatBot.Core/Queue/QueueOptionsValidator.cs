using ChatBot.Core.Configuration;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Queue;

/// <summary>Queue rules that depend on Redis being configured, and the envelope key's shape; each message names the key.</summary>
public sealed class QueueOptionsValidator(IOptions<RedisOptions> redis) : IValidateOptions<QueueOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueOptions options)
    {
        bool redisEnabled;
        try
        {
            redisEnabled = redis.Value.Enabled;
        }
        catch (OptionsValidationException)
        {
            // Set but not a valid connection string: reported by RedisOptionsValidator; it is set all the same.
            redisEnabled = true;
        }

        var errors = new List<string>(new QueueOptionsRanges().Validate(name, options).Failures ?? []);
        if (Placeholder.Is(options.EnvelopeKey))
        {
            errors.Add(Placeholder.Message("Queue:EnvelopeKey", "Queue__EnvelopeKey"));
        }
        else if (string.IsNullOrWhiteSpace(options.EnvelopeKey))
        {
            if (redisEnabled)
            {
                errors.Add("Queue:EnvelopeKey is required when Redis:ConnectionString is set, so every instance can open every queued envelope. Generate one with: openssl rand -base64 32");
            }
        }
        else if (Key(options) is null)
        {
            errors.Add("Queue:EnvelopeKey must be Base64 of exactly 32 bytes (openssl rand -base64 32); the value given does not decode to 32 bytes.");
        }

        if (options.DashboardEnabled)
        {
            if (string.IsNullOrWhiteSpace(options.DashboardUser) || Placeholder.Is(options.DashboardUser))
            {
                errors.Add("Queue:DashboardUser is required when Queue:DashboardEnabled is true.");
            }

            if (Placeholder.Is(options.DashboardPassword))
            {
                errors.Add(Placeholder.Message("Queue:DashboardPassword", "Queue__DashboardPassword"));
            }
            else if (options.DashboardPassword.Length < 12)
            {
                errors.Add($"Queue:DashboardPassword must be at least 12 characters when Queue:DashboardEnabled is true; got {options.DashboardPassword.Length}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The 32-byte key, or null when none (or a malformed one) is configured.</summary>
    public static byte[]? Key(QueueOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.EnvelopeKey))
        {
            return null;
        }

        var key = new byte[48];
        return Convert.TryFromBase64String(options.EnvelopeKey, key, out var written) && written == 32 ? key[..32] : null;
    }
}

/// <summary>The ranges on <see cref="QueueOptions"/>, checked by code generated at build; part of <see cref="QueueOptionsValidator"/>.</summary>
[OptionsValidator]
internal sealed partial class QueueOptionsRanges : IValidateOptions<QueueOptions>;
