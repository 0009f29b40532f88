using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatBot.Core.Screening;

/// <summary>
/// Personal data in a question or an answer, found by what it is rather than a word list: mainland ID-card numbers
/// (18 digits whose GB 11643 check digit is right and whose birth date is a date; the 15-digit legacy form with a date),
/// bank-card numbers (16–19 digits passing Luhn, spaces or dashes between groups allowed), mainland mobile numbers
/// (1[3-9] and 9 more digits, +86 and separators allowed) and e-mail addresses. A number inside a longer run of digits
/// is not taken apart. Each find is replaced by a label naming its kind, so the model and the reader still see that
/// something was there.
/// </summary>
public static partial class PersonalData
{
    public const string IdCard = "id-card";
    public const string BankCard = "bank-card";
    public const string Mobile = "mobile";
    public const string Email = "email";

    public static readonly IReadOnlyList<string> Categories = [IdCard, BankCard, Mobile, Email];

    private static readonly int[] IdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    /// <returns>The text with each find replaced by its label, and the categories found (each once, in order).</returns>
    public static (string Text, IReadOnlyList<string> Found) Mask(string text, IReadOnlyCollection<string> categories)
    {
        var found = new List<string>();
        var masked = text;
        if (categories.Contains(Email))
        {
            masked = Replace(masked, EmailPattern(), _ => true, Email, found);
        }

        if (categories.Contains(IdCard))
        {
            masked = Replace(masked, IdPattern(), m => IsIdCard(m.Value), IdCard, found);
        }

        if (categories.Contains(BankCard))
        {
            masked = Replace(masked, CardPattern(), m => IsBankCard(Digits(m.Value)), BankCard, found);
        }

        if (categories.Contains(Mobile))
        {
            masked = Replace(masked, MobilePattern(), _ => true, Mobile, found);
        }

        return (masked, found);
    }

    /// <summary>
    /// The part of a growing text that can be shown now: a trailing run of ASCII letters, digits and the separators
    /// numbers and addresses use may be the first half of one, so it waits for the next piece.
    /// </summary>
    public static int SafeLength(string text)
    {
        var end = text.Length;
        while (end > 0 && (char.IsAsciiLetterOrDigit(text[end - 1]) || text[end - 1] is ' ' or '-' or '+' or '@' or '.' or '_' or '%'))
        {
            end--;
        }

        return end;
    }

    public static string Label(string category) => category switch
    {
        IdCard => "[身份证号已隐藏]",
        BankCard => "[银行卡号已隐藏]",
        Mobile => "[手机号已隐藏]",
        _ => "[邮箱已隐藏]",
    };

    private static string Replace(string text, Regex pattern, Func<Match, bool> accept, string category, List<string> found) =>
        pattern.Replace(text, m =>
        {
            if (!accept(m))
            {
                return m.Value;
            }

            if (!found.Contains(category))
            {
                found.Add(category);
            }

            return Label(category);
        });

    private static bool IsIdCard(string value)
    {
        if (value.Length == 15)
        {
            return IsDate("19" + value.Substring(6, 6));
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (value[i] - '0') * IdWeights[i];
        }

        return "10X98765432"[sum % 11] == char.ToUpperInvariant(value[17]) && IsDate(value.Substring(6, 8));
    }

    private static bool IsDate(string yyyymmdd) =>
        DateTime.TryParseExact(yyyymmdd, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date.Year >= 1900 && date <= DateTime.UtcNow;

    private static bool IsBankCard(string digits)
    {
        if (digits.Length is < 16 or > 19)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            sum += i % 2 == 1 ? (d * 2 > 9 ? (d * 2) - 9 : d * 2) : d;
        }

        return sum % 10 == 0;
    }

    private static string Digits(string value)
    {
        var digits = new StringBuilder(value.Length);
        foreach (var c in value.Where(char.IsAsciiDigit))
        {
            digits.Append(c);
        }

        return digits.ToString();
    }

    [GeneratedRegex(@"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")]
    private static partial Regex IdPattern();

    // Four groups of four and a tail, each may be spaced or dashed; IsBankCard takes 16–19 digits only.
    [GeneratedRegex(@"(?<![0-9])\d{4}(?:[ -]?\d{4}){2}(?:[ -]?\d{2,4}){1,2}(?![0-9])")]
    private static partial Regex CardPattern();

    [GeneratedRegex(@"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])")]
    private static partial Regex MobilePattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();
}
