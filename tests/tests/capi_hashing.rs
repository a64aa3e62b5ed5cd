//! Every customer-information field, from the raw form a CRM sends to the hash Meta expects.
//! Inputs and normalised forms are Meta's published examples (customer information parameters
//! page); the digests were computed independently (`printf %s VALUE | sha256sum`), and the email
//! digest is the one Meta publishes.

use debrief::capi::normalize::{NormalizeContext, RawUserData, hash_user_data};
use serde_json::json;

fn hashed(raw: serde_json::Value) -> serde_json::Value {
    let raw: RawUserData = serde_json::from_value(raw).unwrap();
    let ctx = NormalizeContext {
        default_calling_code: Some("971".into()),
    };
    serde_json::to_value(hash_user_data(&raw, &ctx, &mut String::new()).unwrap()).unwrap()
}

#[test]
fn every_field_matches_the_published_example() {
    let out = hashed(json!({
        "email": "  John_Smith@gmail.com ",
        "phone": "+1 (616) 954-78 88",
        "first_name": "Mary",
        "last_name": "Smith",
        "gender": "Female",
        "date_of_birth": "2/16/1997",
        "city": "Menlo Park",
        "state": "California",
        "zip": "94035-1234",
        "country": "US",
        "external_id": " CRM-42 ",
    }));
    let expect = [
        (
            "em",
            "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f",
        ), // john_smith@gmail.com (Meta's digest)
        (
            "ph",
            "bb2fa2e6d2cea4746530c99686d0c7886ab2019875dca2d7e9e171c0e6ada00d",
        ), // 16169547888
        (
            "fn",
            "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec",
        ), // mary
        (
            "ln",
            "6627835f988e2c5e50533d491163072d3f4f41f5c8b04630150debb3722ca2dd",
        ), // smith
        (
            "ge",
            "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111",
        ), // f
        (
            "db",
            "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c",
        ), // 19970216
        (
            "ct",
            "0007a3d64c01e23d5075203c5977c14e4f7e01a3fc570686fcc50b5e1dd42685",
        ), // menlopark
        (
            "st",
            "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126",
        ), // ca
        (
            "zp",
            "1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e",
        ), // 94035
        (
            "country",
            "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
        ), // us
        (
            "external_id",
            "c995655d9d4b04d624bc48b0bf3e4e773b6a3ab4dc56e9ec623aebf3ff5be297",
        ), // crm-42
    ];
    for (field, digest) in expect {
        assert_eq!(out[field], json!([digest]), "{field}");
    }
}

#[test]
fn uk_postcodes_keep_area_district_and_sector() {
    let out = hashed(json!({"zip": "M1 1AE", "country": "GB", "email": "a@b.co"}));
    assert_eq!(
        out["zp"],
        json!(["1dc694c2070e697769fb959b50671d76cafd430d8ca191fbdd0affcaea344ac5"])
    ); // m11ae
}

#[test]
fn national_numbers_get_the_countrys_calling_code() {
    // 050 123 4567 in the UAE → 971501234567, whether the country or the default supplies it.
    let digest = "b7a8f5085aa733eb29857a02945bc84a5227e693708d469ec9fb21d34e9e44f5";
    assert_eq!(
        hashed(json!({"phone": "050 123 4567", "country": "AE"}))["ph"],
        json!([digest])
    );
    assert_eq!(
        hashed(json!({"phone": "050-123-4567"}))["ph"],
        json!([digest])
    );
    assert_eq!(
        hashed(json!({"phone": "+971 50 123 4567"}))["ph"],
        json!([digest])
    );
    assert_eq!(
        hashed(json!({"phone": "00971501234567"}))["ph"],
        json!([digest])
    );
}

#[test]
fn clear_fields_stay_clear_and_nothing_raw_leaks() {
    let out = hashed(json!({
        "email": "Person@Example.com", "client_ip_address": "2001:db8::1", "client_user_agent": "UA/1",
        "fbp": "fb.1.1596403881668.1116446470", "fbc": "fb.1.1554763741205.AbCdEf"
    }));
    assert_eq!(out["client_ip_address"], "2001:db8::1");
    assert_eq!(out["fbp"], "fb.1.1596403881668.1116446470");
    assert_eq!(out["fbc"], "fb.1.1554763741205.AbCdEf");
    assert_eq!(out["client_user_agent"], "UA/1");
    let text = out.to_string().to_lowercase();
    assert!(
        !text.contains("person@example.com") && !text.contains("example"),
        "{text}"
    );
}
