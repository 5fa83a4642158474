using SelfImprove.Core.Privacy;

namespace SelfImprove.Core.Tests.Privacy;

public sealed class PersonalDataRedactorTests
{
    [Theory]
    [InlineData("write to anna.smith+bank@mail.example.org please", "write to [EMAIL] please")]
    [InlineData("my IBAN is GB82 WEST 1234 5698 7654 32 and DE89370400440532013000", "my IBAN is [IBAN] and [IBAN]")]
    [InlineData("card 4111-1111-1111-1111 was charged twice", "card [CARD] was charged twice")]
    [InlineData("call me on +44 20 7946 0958 or (020) 7946-0958", "call me on [PHONE] or [PHONE]")]
    [InlineData("I was charged 1234 instead of 123", "I was charged 1234 instead of 123")]
    [InlineData("order 4111111111111112 is not a card number", "order 4111111111111112 is not a card number")]
    public void Personal_data_is_replaced_and_the_request_kept(string text, string expected) =>
        Assert.Equal(expected, PersonalDataRedactor.Redact(text));
}
