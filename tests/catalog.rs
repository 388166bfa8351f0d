//! The library's element profiles and the emulator's catalog describe the same elements: the
//! emulator knows every element the library has a profile for, with the same hub and the same
//! required configuration entries, so that tests against the emulator see what the platform
//! would ask for.

use openconnectors::ELEMENT_PROFILES;
use openconnectors_emulator::catalog;

#[test]
fn the_emulator_knows_every_profiled_element() {
    for profile in ELEMENT_PROFILES {
        let element = catalog::find(profile.key)
            .unwrap_or_else(|| panic!("the emulator does not know {}", profile.key));
        assert_eq!(element.hub, profile.hub, "{}", profile.key);
        assert_eq!(element.extra_required, profile.required, "{}", profile.key);
    }
}
