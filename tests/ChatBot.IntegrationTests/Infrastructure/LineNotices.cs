using System.Globalization;
using ChatBot.Core.Pipeline;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>Recognises the default "you are number N in line" notice among what a fake platform received.</summary>
public static class LineNotices
{
    private static readonly string Template = new AnswerOptions().PlaceInLineText;
    private static readonly int PlaceAt = Template.IndexOf("{0}", StringComparison.Ordinal);

    public static bool Is(string content) => content.StartsWith(Template[..PlaceAt], StringComparison.Ordinal);

    public static int Place(string content) =>
        int.Parse(new string(content[PlaceAt..].TakeWhile(char.IsAsciiDigit).ToArray()), CultureInfo.InvariantCulture);
}
