using System.Globalization;

namespace ChatBot.Core.Configuration;

/// <summary>An admin-set text with a <c>{0}</c> placeholder, checked at start so a stray brace fails there, not in a reply.</summary>
public static class FormatText
{
    /// <returns>The problem, naming the key and the value, or null when <paramref name="format"/> formats.</returns>
    public static string? Problem(string key, string format, object sample, string placeholder) => Problem(key, format, [sample], placeholder);

    /// <param name="samples">One value per placeholder the text may use ({0}, {1}, …).</param>
    public static string? Problem(string key, string format, object[] samples, string placeholder)
    {
        try
        {
            _ = string.Format(CultureInfo.InvariantCulture, format, samples);
            return null;
        }
        catch (FormatException)
        {
            var slots = string.Join(", ", Enumerable.Range(0, samples.Length).Select(i => $"{{{i}}}"));
            return $"{key} '{format}' is not a valid format: use {slots} for {placeholder}, and double any other braces.";
        }
    }
}
