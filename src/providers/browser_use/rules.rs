//! What Browser Use's API accepts where its spec fixes the values: the models an agent (or its
//! judge) may use, the proxy countries, and the longest system prompt extension and judge's ground truth. Copied
//! from the vendor's OpenAPI file (`SupportedLLMs`, `ProxyCountryCode`, `CreateTaskRequest`);
//! a test holds the copies equal to the file, so a new spec that changes them fails the suite
//! until they are updated.

/// `SupportedLLMs`: the models the API takes for `llm` and `judgeLlm`.
pub const SUPPORTED_LLMS: [&str; 19] = [
    "browser-use-llm",
    "browser-use-2.0",
    "gpt-4.1",
    "gpt-4.1-mini",
    "o4-mini",
    "o3",
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "gemini-3-pro-preview",
    "gemini-3-flash-preview",
    "gemini-flash-latest",
    "gemini-flash-lite-latest",
    "claude-sonnet-4-20250514",
    "claude-sonnet-4-5-20250929",
    "claude-sonnet-4-6",
    "claude-opus-4-5-20251101",
    "claude-opus-4-7",
    "llama-4-maverick-17b-128e-instruct",
    "claude-3-7-sonnet-20250219",
];

/// `ProxyCountryCode`: lowercase ISO 3166-1 alpha-2 codes, with `uk` (not `gb`) for the
/// United Kingdom.
#[rustfmt::skip]
pub const PROXY_COUNTRY_CODES: [&str; 247] = [
    "ad", "ae", "af", "ag", "ai", "al", "am", "an", "ao", "aq", "ar", "as",
    "at", "au", "aw", "az", "ba", "bb", "bd", "be", "bf", "bg", "bh", "bi",
    "bj", "bl", "bm", "bn", "bo", "bq", "br", "bs", "bt", "bv", "bw", "by",
    "bz", "ca", "cc", "cd", "cf", "cg", "ch", "ck", "cl", "cm", "co", "cr",
    "cs", "cu", "cv", "cw", "cx", "cy", "cz", "de", "dj", "dk", "dm", "do",
    "dz", "ec", "ee", "eg", "eh", "er", "es", "et", "fi", "fj", "fk", "fm",
    "fo", "fr", "ga", "gd", "ge", "gf", "gg", "gh", "gi", "gl", "gm", "gn",
    "gp", "gq", "gr", "gs", "gt", "gu", "gw", "gy", "hk", "hm", "hn", "hr",
    "ht", "hu", "id", "ie", "il", "im", "in", "iq", "ir", "is", "it", "je",
    "jm", "jo", "jp", "ke", "kg", "kh", "ki", "km", "kn", "kp", "kr", "kw",
    "ky", "kz", "la", "lb", "lc", "li", "lk", "lr", "ls", "lt", "lu", "lv",
    "ly", "ma", "mc", "md", "me", "mf", "mg", "mh", "mk", "ml", "mm", "mn",
    "mo", "mp", "mq", "mr", "ms", "mt", "mu", "mv", "mw", "mx", "my", "mz",
    "na", "nc", "ne", "nf", "ng", "ni", "nl", "no", "np", "nr", "nu", "nz",
    "om", "pa", "pe", "pf", "pg", "ph", "pk", "pl", "pm", "pn", "pr", "ps",
    "pt", "pw", "py", "qa", "re", "ro", "rs", "ru", "rw", "sa", "sb", "sc",
    "sd", "se", "sg", "sh", "si", "sj", "sk", "sl", "sm", "sn", "so", "sr",
    "ss", "st", "sv", "sx", "sy", "sz", "tc", "td", "tf", "tg", "th", "tj",
    "tk", "tl", "tm", "tn", "to", "tr", "tt", "tv", "tw", "tz", "ua", "ug",
    "uk", "us", "uy", "uz", "va", "vc", "ve", "vg", "vi", "vn", "vu", "wf",
    "ws", "xk", "ye", "yt", "za", "zm", "zw",
];

/// `CreateTaskRequest.systemPromptExtension`'s `maxLength`.
pub const MAX_SYSTEM_PROMPT_EXTENSION_CHARS: usize = 2_000;

/// `CreateTaskRequest.judgeGroundTruth`'s `maxLength`.
pub const MAX_JUDGE_GROUND_TRUTH_CHARS: usize = 10_000;

/// Whether `model` is one the API takes.
pub fn is_supported_llm(model: &str) -> bool {
    SUPPORTED_LLMS.contains(&model)
}

/// Whether `code` (any case) is a proxy country the API takes.
pub fn is_proxy_country(code: &str) -> bool {
    PROXY_COUNTRY_CODES.contains(&code.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> &'static browser_tasks_fakes::spec::Spec {
        browser_tasks_fakes::spec::browser_use().expect("Browser Use's spec loads")
    }

    #[test]
    fn the_lists_are_the_specs() {
        assert_eq!(spec().enum_values("SupportedLLMs"), SUPPORTED_LLMS);
        assert_eq!(spec().enum_values("ProxyCountryCode"), PROXY_COUNTRY_CODES);
        let extension = spec()
            .schema("CreateTaskRequest")
            .and_then(|s| s.pointer("/properties/systemPromptExtension/maxLength"))
            .and_then(serde_json::Value::as_u64);
        assert_eq!(extension, Some(MAX_SYSTEM_PROMPT_EXTENSION_CHARS as u64));
        let truth = spec()
            .schema("CreateTaskRequest")
            .and_then(|s| s.pointer("/properties/judgeGroundTruth/anyOf/0/maxLength"))
            .and_then(serde_json::Value::as_u64);
        assert_eq!(truth, Some(MAX_JUDGE_GROUND_TRUTH_CHARS as u64));
    }

    #[test]
    fn models_and_countries_are_checked_as_listed() {
        assert!(is_supported_llm("browser-use-2.0"));
        assert!(!is_supported_llm("gpt-9"));
        assert!(is_proxy_country("DE") && is_proxy_country("uk"));
        assert!(!is_proxy_country("gb") && !is_proxy_country("usa"));
    }
}
