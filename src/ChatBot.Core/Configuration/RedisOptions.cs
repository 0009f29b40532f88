using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.Core.Configuration;

/// <summary>Section <c>Redis</c>. Empty: everything stays in process memory (one instance).</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis connection string, e.g. <c>127.0.0.1:6379</c>. May hold a password: environment only.</summary>
    public string ConnectionString { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>The parsed connection string, or the reason it does not parse.</summary>
    public (ConfigurationOptions? Parsed, string? Error) Parse()
    {
        if (Placeholder.Is(ConnectionString))
        {
            return (null, Placeholder.Message("Redis:ConnectionString", "Redis__ConnectionString"));
        }

        try
        {
            return (ConfigurationOptions.Parse(ConnectionString), null);
        }
        catch (ArgumentException ex)
        {
            return (null, $"Redis:ConnectionString is not a valid StackExchange.Redis connection string: {ex.Message}");
        }
    }
}

/// <summary>A connection string that is set must parse; empty is fine (everything in process memory).</summary>
public sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options) =>
        options.Enabled && options.Parse().Error is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
