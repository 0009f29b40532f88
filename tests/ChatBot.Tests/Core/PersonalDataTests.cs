using ChatBot.Core.Screening;

namespace ChatBot.Tests.Core;

public sealed class PersonalDataTests
{
    private static readonly IReadOnlyList<string> All = PersonalData.Categories;

    [Theory]
    [InlineData("我的身份证号是11010519491231002X，帮我查下", "我的身份证号是[身份证号已隐藏]，帮我查下", "id-card")]
    [InlineData("老身份证 110105491231002 还能用吗", "老身份证 [身份证号已隐藏] 还能用吗", "id-card")]
    [InlineData("工资卡 6222 0212 3456 7890 128 改一下", "工资卡 [银行卡号已隐藏] 改一下", "bank-card")]
    [InlineData("卡号6222021234567890128", "卡号[银行卡号已隐藏]", "bank-card")]
    [InlineData("打我电话 +86 138-1234-5678 或 13912345678", "打我电话 [手机号已隐藏] 或 [手机号已隐藏]", "mobile")]
    [InlineData("发到 zhang.san@example.com 就行", "发到 [邮箱已隐藏] 就行", "email")]
    public void Each_kind_is_found_and_replaced_by_its_label(string text, string expected, string category)
    {
        var (masked, found) = PersonalData.Mask(text, All);

        Assert.Equal(expected, masked);
        Assert.Equal([category], found);
    }

    [Theory]
    [InlineData("身份证 110105194912310021")]   // wrong check digit
    [InlineData("身份证 110105194913310028")]   // no 13th month
    [InlineData("卡号 6222021234567890127")]     // fails Luhn
    [InlineData("订单号 2024061213812345678999")] // a mobile-looking run inside a longer number
    [InlineData("年假 5 天，工龄满 10 年加到 10 天")]
    public void Numbers_that_are_not_personal_data_are_left_alone(string text)
    {
        var (masked, found) = PersonalData.Mask(text, All);

        Assert.Equal(text, masked);
        Assert.Empty(found);
    }

    [Fact]
    public void Only_the_configured_kinds_are_masked()
    {
        var (masked, found) = PersonalData.Mask("13912345678 zhang@example.com", [PersonalData.Email]);

        Assert.Equal("13912345678 [邮箱已隐藏]", masked);
        Assert.Equal([PersonalData.Email], found);
    }

    [Theory]
    [InlineData("请拨打 139123", 3)] // "请拨打", its trailing space held back with the digits
    [InlineData("联系 zhang@exa", 2)]
    [InlineData("年假五天。", 5)]
    public void A_growing_text_is_shown_only_up_to_what_cannot_be_half_a_number(string text, int safe) =>
        Assert.Equal(safe, PersonalData.SafeLength(text));
}
