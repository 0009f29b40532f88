using System.Globalization;

namespace ChatBot.Core.Configuration;

/// <summary>An admin-set text with a <c>{0}</c> placeholder, checked at start so a stray brace fails there, not in a reply.</summary>
public static class FormatText
{
    /// <returns>The problem, naming the key and the value, or null when <paramref name="format"/> formats.</returns>
    public static string? Problem(string key, string format, object sample, string placeholder)
    {
        try
        {
            _ = string.Format(CultureInfo.InvariantCulture, format, sample);
            return null;
        }
        catch (FormatException)
        {
            return $"{key} '{format}' is not a valid format: use {{0}} for {placeholder}, and double any other braces.";
        }
    }
}
