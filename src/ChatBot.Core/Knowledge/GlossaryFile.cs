using ChatBot.Core.AdminFiles;
using ChatBot.Knowledge.Search;

namespace ChatBot.Core.Knowledge;

/// <summary>The glossary as an admin file: a malformed line is an <see cref="AdminFileException"/>, like every admin file's.</summary>
public static class GlossaryFile
{
    public static Glossary Parse(string text, string source)
    {
        try
        {
            return Glossary.Parse(text, source);
        }
        catch (FormatException ex)
        {
            throw new AdminFileException(ex.Message);
        }
    }
}
